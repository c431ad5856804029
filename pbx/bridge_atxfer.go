package pbx

import "context"

// attendedTransfer is the atxfer feature (bridge_basic.c).
func (bs *bridgeSession) attendedTransfer(ctx context.Context, p *bridgeParty) {
	bs.ch.Logger().Info(bs.app+": atxfer is not supported yet", "by", p.name)
}
