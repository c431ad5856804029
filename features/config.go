package features

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Defaults of Asterisk's features.conf (main/features_config.c).
const (
	DefaultTransferDigitTimeout  = 3 * time.Second
	DefaultFeatureDigitTimeout   = 1000 * time.Millisecond
	DefaultAtxferNoAnswerTimeout = 15 * time.Second
)

// Feature names of [featuremap].
const (
	BlindTransfer    = "blindxfer"
	AttendedTransfer = "atxfer"
	Disconnect       = "disconnect"
	AutoMon          = "automon"
	AutoMixMon       = "automixmon"
	ParkCall         = "parkcall"
)

// General is features.conf's [general] section.
type General struct {
	TransferDigitTimeout  time.Duration
	FeatureDigitTimeout   time.Duration
	AtxferNoAnswerTimeout time.Duration
	AtxferDropCall        bool
	AtxferLoopDelay       time.Duration
	AtxferCallbackRetries int
	// Keys pressed during an attended transfer.
	AtxferAbort, AtxferComplete, AtxferThreeway, AtxferSwap string
	PickupExten                                             string
	CourtesyTone                                            string
	TransferDialAttempts                                    int
	XferSound, XferFailSound                                string
}

// AppFeature is an [applicationmap] line:
// `name => dtmf,activate_on[/by],application[,arguments[,moh_class]]`.
type AppFeature struct {
	Pos         config.Pos
	Name        string
	DTMF        string
	ActivateOn  string // self or peer
	ActivatedBy string // caller, callee or both
	App         string
	Args        string
	MOHClass    string
}

// Parking is the parking lot of features.conf's [general] (Asterisk 11's
// parkext, parkpos, context, parkingtime, comebacktoorigin; res_parking's
// [default] lot has the same options and defaults).
type Parking struct {
	// ParkExt is the extension that parks the caller (Park()), 700.
	ParkExt string
	// PosStart and PosEnd are the parking spaces, 701-750.
	PosStart, PosEnd int
	// Context is where the spaces are dialled to retrieve a call.
	Context string
	// ParkingTime is how long a call stays parked before it comes back
	// (45 s).
	ParkingTime time.Duration
	// ComebackToOrigin: a call that times out rings the parker again
	// (yes); otherwise it is hung up.
	ComebackToOrigin bool
	// ComebackDialTime is how long the parker is rung again (30 s).
	ComebackDialTime time.Duration
}

// Defaults of the parking lot (res_parking's default lot).
const (
	DefaultParkExt          = "700"
	DefaultParkPosStart     = 701
	DefaultParkPosEnd       = 750
	DefaultParkingContext   = "parkedcalls"
	DefaultParkingTime      = 45 * time.Second
	DefaultComebackDialTime = 30 * time.Second
)

// Config is features.conf.
type Config struct {
	General General
	// Parking is the parking lot.
	Parking Parking
	// Map is [featuremap]: feature name to its DTMF sequence.
	Map map[string]string
	// Apps is [applicationmap] in file order.
	Apps []AppFeature
}

// Lookup returns the feature whose code is dtmf ("" when none).
func (c *Config) Lookup(dtmf string) string {
	for name, code := range c.Map {
		if code == dtmf {
			return name
		}
	}
	return ""
}

func validDTMF(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789*#ABCD", c) {
			return false
		}
	}
	return true
}

// LoadConfig reads features.conf.
func LoadConfig(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := &Config{
		General: General{TransferDigitTimeout: DefaultTransferDigitTimeout, FeatureDigitTimeout: DefaultFeatureDigitTimeout,
			AtxferNoAnswerTimeout: DefaultAtxferNoAnswerTimeout, AtxferLoopDelay: 10 * time.Second, AtxferCallbackRetries: 2,
			AtxferAbort: "*1", AtxferComplete: "*2", AtxferThreeway: "*3", AtxferSwap: "*4", PickupExten: "*8",
			TransferDialAttempts: 3, XferSound: "beep", XferFailSound: "beeperr"},
		Map: map[string]string{BlindTransfer: "#", Disconnect: "*", AttendedTransfer: "", AutoMon: "", AutoMixMon: "", ParkCall: ""},
		Parking: Parking{ParkExt: DefaultParkExt, PosStart: DefaultParkPosStart, PosEnd: DefaultParkPosEnd, Context: DefaultParkingContext,
			ParkingTime: DefaultParkingTime, ComebackToOrigin: true, ComebackDialTime: DefaultComebackDialTime},
	}
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		switch s.Name {
		case "general":
			g := &cfg.General
			r.Duration("transferdigittimeout", &g.TransferDigitTimeout, time.Second, time.Minute)
			r.Duration("featuredigittimeout", &g.FeatureDigitTimeout, time.Millisecond, time.Minute)
			r.Duration("atxfernoanswertimeout", &g.AtxferNoAnswerTimeout, time.Second, time.Hour)
			r.Bool("atxferdropcall", &g.AtxferDropCall)
			r.Duration("atxferloopdelay", &g.AtxferLoopDelay, time.Second, time.Hour)
			r.Int("atxfercallbackretries", &g.AtxferCallbackRetries, 0, 100)
			for key, dst := range map[string]*string{"atxferabort": &g.AtxferAbort, "atxfercomplete": &g.AtxferComplete,
				"atxferthreeway": &g.AtxferThreeway, "atxferswap": &g.AtxferSwap, "pickupexten": &g.PickupExten} {
				if e, ok := r.Lookup(key); ok {
					if !validDTMF(e.Value) {
						r.Errorf(e.Pos, "%s: %q is not a DTMF sequence", key, e.Value)
						continue
					}
					*dst = e.Value
				}
			}
			r.String("courtesytone", &g.CourtesyTone)
			r.Int("transferdialattempts", &g.TransferDialAttempts, 1, 100)
			r.String("xfersound", &g.XferSound)
			r.String("xferfailsound", &g.XferFailSound)
			pk := &cfg.Parking
			r.String("parkext", &pk.ParkExt)
			if e, ok := r.Lookup("parkpos"); ok {
				a, b, ok := strings.Cut(e.Value, "-")
				start, err1 := strconv.Atoi(strings.TrimSpace(a))
				end, err2 := strconv.Atoi(strings.TrimSpace(b))
				if !ok || err1 != nil || err2 != nil || start <= 0 || end < start {
					r.Errorf(e.Pos, "parkpos: %q is not a range of spaces (701-720)", e.Value)
				} else {
					pk.PosStart, pk.PosEnd = start, end
				}
			}
			r.String("context", &pk.Context)
			r.Duration("parkingtime", &pk.ParkingTime, time.Second, 24*time.Hour)
			r.Bool("comebacktoorigin", &pk.ComebackToOrigin)
			r.Duration("comebackdialtime", &pk.ComebackDialTime, time.Second, time.Hour)
			r.Ignore("pickupsound", "pickupfailsound", "transferretrysound", "transferinvalidsound", "parkedplay",
				"parkinghints", "recordingfailsound", "transferannouncesound")
			r.Unknown()
		case "featuremap":
			for _, e := range s.Entries {
				name := strings.ToLower(e.Key)
				if _, known := cfg.Map[name]; !known {
					r.Errorf(e.Pos, "unknown feature %q: want blindxfer, atxfer, disconnect, automon, automixmon or parkcall", e.Key)
					continue
				}
				if !validDTMF(e.Value) {
					r.Errorf(e.Pos, "%s: %q is not a DTMF sequence", e.Key, e.Value)
					continue
				}
				if other := cfg.Lookup(e.Value); other != "" && other != name {
					r.Warnf(e.Pos, "%s uses %s, which %s already uses; %s wins", name, e.Value, other, name)
					cfg.Map[other] = ""
				}
				if name == AutoMon {
					r.Warnf(e.Pos, "%s is not supported by Obelisk (use automixmon for recording)", name)
				}
				cfg.Map[name] = e.Value
			}
		case "applicationmap":
			for _, e := range s.Entries {
				a, err := parseAppFeature(e.Key, e.Value)
				if err != nil {
					r.Errorf(e.Pos, "%v", err)
					continue
				}
				a.Pos = e.Pos
				cfg.Apps = append(cfg.Apps, a)
			}
		default:
			// Feature groups: `name => feature[,dtmf]` lines.
			for _, e := range s.Entries {
				if _, known := cfg.Map[strings.ToLower(e.Key)]; !known {
					found := false
					for _, a := range cfg.Apps {
						found = found || strings.EqualFold(a.Name, e.Key)
					}
					if !found {
						r.Warnf(e.Pos, "feature group [%s]: unknown feature %q", s.Name, e.Key)
					}
				}
			}
		}
	}
	return cfg, diags
}

func parseAppFeature(name, value string) (AppFeature, error) {
	parts := strings.SplitN(value, ",", 3)
	if len(parts) < 3 {
		return AppFeature{}, fmt.Errorf("applicationmap %s: want dtmf,activate_on,application[,arguments]", name)
	}
	a := AppFeature{Name: name, DTMF: strings.TrimSpace(parts[0])}
	if !validDTMF(a.DTMF) {
		return a, fmt.Errorf("applicationmap %s: %q is not a DTMF sequence", name, a.DTMF)
	}
	on, by, _ := strings.Cut(strings.ToLower(strings.TrimSpace(parts[1])), "/")
	if on != "self" && on != "peer" {
		return a, fmt.Errorf("applicationmap %s: activate_on %q: want self or peer", name, on)
	}
	if by == "" {
		by = "both"
	}
	if by != "caller" && by != "callee" && by != "both" {
		return a, fmt.Errorf("applicationmap %s: activated_by %q: want caller, callee or both", name, by)
	}
	a.ActivateOn, a.ActivatedBy = on, by
	rest := strings.TrimSpace(parts[2])
	if i := strings.IndexAny(rest, "(,"); i >= 0 && rest[i] == '(' {
		// Application(arguments)[,moh_class]: the arguments may hold commas.
		j := strings.LastIndexByte(rest, ')')
		if j < i {
			return a, fmt.Errorf("applicationmap %s: missing ')' in %q", name, rest)
		}
		a.App, a.Args = rest[:i], rest[i+1:j]
		a.MOHClass = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest[j+1:]), ","))
	} else {
		f := strings.SplitN(rest, ",", 3)
		a.App = strings.TrimSpace(f[0])
		if len(f) > 1 {
			a.Args = strings.Trim(strings.TrimSpace(f[1]), `"`)
		}
		if len(f) > 2 {
			a.MOHClass = strings.TrimSpace(f[2])
		}
	}
	if a.App == "" {
		return a, fmt.Errorf("applicationmap %s: no application", name)
	}
	return a, nil
}
