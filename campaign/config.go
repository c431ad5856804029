package campaign

import (
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Defined is a campaign of campaigns.conf: its settings, and the customer
// list to import when the campaign is first created.
type Defined struct {
	*Campaign
	// CustomersFile is the "customers =" CSV file, relative to the
	// configuration directory; empty for none.
	CustomersFile string
	// Pos is where the campaign's section starts.
	Pos config.Pos
}

// LoadConfig reads campaigns.conf, an Obelisk file: a section per
// campaign ([general] is reserved and has no options yet).
//
//	[spring-2026]
//	trunk = pstn                    ; required: SIP/<trunk>/<number>
//	context = collections           ; where answered calls go (exten s, priority 1)
//	extension = s
//	priority = 1
//	callerid = "Acme Billing" <0312345678>
//	window = mon-fri 09:00-20:00    ; repeatable; in each customer's timezone
//	window = sat 10:00-13:00
//	timezone = Europe/Paris         ; customers without one (default: the switch's)
//	language = en                   ; customers without one
//	currency = usd                  ; customers without one
//	rate = 1                        ; calls a second (0: no limit)
//	concurrent = 3                  ; calls up at once (0: no limit)
//	maxattempts = 3
//	waittime = 30                   ; seconds of ringing
//	retry_busy = 600                ; seconds, or no
//	retry_noanswer = 3600
//	retry_machine = 7200
//	retry_congestion = 300
//	retry_failed = 900
//	never_retry = 404,410,484,604   ; SIP codes meaning an invalid number
//	customers = spring.csv          ; imported when the campaign is created
//	autostart = yes                 ; created running (else idle until started)
//
// Errors are at their file:line; unknown options are warnings.
func LoadConfig(f *config.File) ([]Defined, config.Diagnostics) {
	var diags config.Diagnostics
	var out []Defined
	seen := map[string]config.Pos{}
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		if strings.EqualFold(s.Name, "general") {
			r.Unknown()
			continue
		}
		if p, dup := seen[s.Name]; dup {
			diags = append(diags, config.Errorf(s.Pos, "campaign [%s] is defined twice (first at %s)", s.Name, p))
			continue
		}
		seen[s.Name] = s.Pos
		c := New(s.Name, "")
		c.Source = "campaigns.conf"
		r.String("trunk", &c.Trunk)
		r.String("context", &c.Context)
		r.String("extension", &c.Extension)
		r.Int("priority", &c.Priority, 1, 1<<20)
		r.String("callerid", &c.CallerID)
		r.Each("window", func(e config.Entry) {
			w, err := ParseWindow(e.Value)
			if err != nil {
				r.Errorf(e.Pos, "window: %v", err)
				return
			}
			c.Windows = append(c.Windows, w)
		})
		r.String("timezone", &c.Timezone)
		r.String("language", &c.Language)
		r.String("currency", &c.Currency)
		if e, ok := r.Lookup("rate"); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(e.Value), 64)
			if err != nil || v < 0 {
				r.Errorf(e.Pos, "rate: %q is not a number of calls a second", e.Value)
			} else {
				c.Limit.Rate = v
			}
		}
		r.Int("concurrent", &c.Limit.Concurrent, 0, 10000)
		r.Int("maxattempts", &c.MaxAttempts, 1, 100)
		wait := time.Duration(c.WaitTime)
		if r.Duration("waittime", &wait, time.Second, time.Hour) {
			c.WaitTime = Seconds(wait)
		}
		for _, k := range []string{"busy", "noanswer", "machine", "congestion", "failed"} {
			if e, ok := r.Lookup("retry_" + k); ok {
				rt, err := ParseRetry(e.Value)
				if err != nil {
					r.Errorf(e.Pos, "retry_%s: %q is not seconds or no", k, e.Value)
					continue
				}
				_ = c.Retry.set(k, rt)
			}
		}
		if e, ok := r.Lookup("never_retry"); ok {
			var codes []int
			for _, f := range strings.FieldsFunc(e.Value, func(r rune) bool { return r == ',' || r == ' ' }) {
				n, err := strconv.Atoi(f)
				if err != nil || n < 300 || n > 699 {
					r.Errorf(e.Pos, "never_retry: %q is not a SIP final failure code", f)
					continue
				}
				codes = append(codes, n)
			}
			c.Retry.NeverCodes = codes
		}
		d := Defined{Campaign: c, Pos: s.Pos}
		r.String("customers", &d.CustomersFile)
		autostart := false
		r.Bool("autostart", &autostart)
		if autostart {
			c.State = StateRunning
		}
		r.Unknown()
		if c.Trunk == "" {
			diags = append(diags, config.Errorf(s.Pos, "campaign [%s] has no trunk", s.Name))
			continue
		}
		if err := c.Validate(); err != nil {
			diags = append(diags, config.Errorf(s.Pos, "%v", err))
			continue
		}
		out = append(out, d)
	}
	return out, diags
}
