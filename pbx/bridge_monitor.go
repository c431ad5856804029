package pbx

import "context"

// autoMixMonitor is the automixmon feature (bridge_builtin_features.c).
func (bs *bridgeSession) autoMixMonitor(ctx context.Context, p *bridgeParty) {
	bs.ch.Logger().Info(bs.app+": automixmon is not supported yet", "by", p.name)
}
