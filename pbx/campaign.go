package pbx

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/obelisk-pbx/obelisk/campaign"
	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/events"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/outbound"
)

// CampaignsConf defines the collections campaigns (an Obelisk file; see
// campaign.LoadConfig).
const CampaignsConf = "campaigns.conf"

// campaignConfig is campaigns.conf in the switch's Config.
type campaignConfig struct {
	// Campaigns are campaigns.conf's campaigns, checked.
	Campaigns []campaign.Defined
}

// campaignService is the switch's campaign engine, nil until New has
// opened it.
type campaignService struct {
	eng *campaign.Engine
}

// loadCampaigns reads campaigns.conf when present: each campaign's trunk
// must be a sip.conf endpoint, its context should be in the dialplan, and
// its customers file must exist in the configuration directory.
func (c *Config) loadCampaigns(fsys fs.FS) config.Diagnostics {
	var diags config.Diagnostics
	f := c.read(fsys, CampaignsConf, &diags)
	if f == nil {
		return diags
	}
	defs, ds := campaign.LoadConfig(f)
	diags = append(diags, ds...)
	for _, d := range defs {
		if c.SIP != nil && c.SIP.Endpoint(d.Trunk) == nil {
			diags = append(diags, config.Errorf(d.Pos, "campaign [%s]: trunk %q is not a sip.conf peer", d.Name, d.Trunk))
			continue
		}
		if c.Dialplan != nil && c.Dialplan.Contexts[d.Context] == nil {
			diags = append(diags, config.Warnf(d.Pos, "campaign [%s]: context %q is not in the dialplan: answered calls will hang up", d.Name, d.Context))
		}
		if d.CustomersFile != "" && !exists(fsys, d.CustomersFile) {
			diags = append(diags, config.Errorf(d.Pos, "campaign [%s]: customers file %s not found", d.Name, d.CustomersFile))
			continue
		}
		if d.CustomersFile != "" {
			diags = append(diags, checkCustomers(fsys, d)...)
		}
		c.Campaigns = append(c.Campaigns, d)
	}
	return diags
}

// checkCustomers reports the rows of a campaign's customers file that an
// import would refuse, as warnings at their file:line (the good rows are
// still imported).
func checkCustomers(fsys fs.FS, d campaign.Defined) config.Diagnostics {
	f, err := fsys.Open(d.CustomersFile)
	if err != nil {
		return config.Diagnostics{config.Errorf(d.Pos, "campaign [%s]: %v", d.Name, err)}
	}
	defer f.Close()
	_, errs := campaign.CheckCSV(d.Campaign, f, d.CustomersFile)
	var diags config.Diagnostics
	for _, err := range errs {
		pos := config.Pos{File: d.CustomersFile}
		var re *campaign.RowError
		if errors.As(err, &re) {
			pos.Line, err = re.Line, re.Err
		}
		diags = append(diags, config.Warnf(pos, "campaign [%s]: customer not imported: %v", d.Name, err))
	}
	return diags
}

// startCampaigns opens the campaign engine on the switch's store (which
// marks the attempts a crash interrupted), defines campaigns.conf's
// campaigns, imports the customers file of each new one, and mounts the
// HTTP API. The engine dials once Run runs it.
func (s *Switch) startCampaigns(cfg *Config) error {
	store, err := campaign.NewBoltStore(s.db)
	if err != nil {
		return err
	}
	eng, err := campaign.NewEngine(store, campaignDialer{s}, campaign.WithLogger(s.opts.Logger),
		campaign.WithEvents(s.campaignEvent))
	if err != nil {
		return err
	}
	if err := s.defineCampaigns(eng, cfg); err != nil {
		return err
	}
	s.campaigns.eng = eng
	h := eng.Handler()
	s.mountHTTP("/api/v1/campaigns", h)
	s.mountHTTP("/api/v1/campaigns/", h)
	return nil
}

// defineCampaigns makes campaigns.conf's campaigns exist in the engine
// with the file's settings, importing the customers file of those new (or
// still without customers).
func (s *Switch) defineCampaigns(eng *campaign.Engine, cfg *Config) error {
	for _, d := range cfg.Campaigns {
		created, err := eng.Define(d.Campaign)
		if err != nil {
			return fmt.Errorf("%s: campaign %s: %w", d.Pos, d.Name, err)
		}
		sum, err := eng.Campaign(d.Name)
		if err != nil {
			return err
		}
		if d.CustomersFile == "" || (!created && sum.Customers > 0) {
			continue
		}
		f, err := s.opts.ConfigFS.Open(d.CustomersFile)
		if err != nil {
			return fmt.Errorf("campaign %s: %w", d.Name, err)
		}
		rows, errs := campaign.ParseCSV(f, d.CustomersFile)
		_ = f.Close()
		added, ierrs := eng.Import(d.Name, d.CustomersFile, rows)
		for _, e := range append(errs, ierrs...) {
			s.log.Warn("campaign customer not imported", "campaign", d.Name, "error", e.Error())
		}
		s.log.Info("campaign customers imported", "campaign", d.Name, "file", d.CustomersFile, "customers", added)
	}
	return nil
}

// reloadCampaigns applies a reloaded campaigns.conf: settings change,
// new campaigns appear; states and customers stay (campaigns removed from
// the file stay in the store).
func (s *Switch) reloadCampaigns(cfg *Config) {
	if s.campaigns.eng == nil {
		return
	}
	if err := s.defineCampaigns(s.campaigns.eng, cfg); err != nil {
		s.log.Error("campaigns.conf not applied", "error", err)
	}
}

// runCampaigns dials the running campaigns until ctx ends.
func (s *Switch) runCampaigns(ctx context.Context) error {
	if s.campaigns.eng == nil {
		return nil
	}
	return s.campaigns.eng.Run(ctx)
}

// campaignEvent publishes a campaign call's progress as a UserEvent
// (class user) named CampaignCall, as a dialplan's
// UserEvent(CampaignCall,…) would.
func (s *Switch) campaignEvent(ev campaign.Event) {
	s.publish("UserEvent", "user",
		events.Field{Key: "UserEvent", Value: "CampaignCall"},
		events.Field{Key: "Campaign", Value: ev.Campaign},
		events.Field{Key: "CustomerID", Value: ev.CustomerID},
		events.Field{Key: "Number", Value: ev.Number},
		events.Field{Key: "Attempt", Value: strconv.Itoa(ev.Attempt)},
		events.Field{Key: "Status", Value: string(ev.Status)},
		events.Field{Key: "DialStatus", Value: ev.DialStatus},
		events.Field{Key: "SIPCode", Value: strconv.Itoa(ev.SIPCode)},
		events.Field{Key: "Channel", Value: ev.Channel},
		events.Field{Key: "Done", Value: strconv.FormatBool(ev.Done)},
	)
}

// campaignDialer places campaign calls through the one Originate path,
// as a call file with the campaign's name as account code.
type campaignDialer struct{ s *Switch }

// Originate implements campaign.Originator.
func (d campaignDialer) Originate(ctx context.Context, c campaign.Call) (campaign.Dialled, error) {
	cf := outbound.NewCallFile(c.Channel)
	cf.Name = "campaign " + c.Campaign + " " + c.Customer.ID
	cf.WaitTime = c.WaitTime
	cf.CallerID = c.CallerID
	cid := ivr.ParseCallerID(c.CallerID)
	cf.CallerIDName, cf.CallerIDNum = cid.Name, cid.Num
	cf.Account = c.Campaign
	cf.Context, cf.Extension, cf.Priority = c.Context, c.Extension, c.Priority
	cf.Vars = c.Vars
	res, err := d.s.OriginateWith(ctx, cf, OriginateHooks{})
	out := campaign.Dialled{Outcome: res.Outcome, SIPCode: res.SIPCode, SIPReason: res.SIPReason,
		Channel: res.Channel, Uniqueid: res.Uniqueid}
	if res.Done != nil {
		done := make(chan campaign.Ended, 1)
		go func() {
			select {
			case e := <-res.Done:
				done <- campaign.Ended{At: e.At, Vars: e.Vars}
			case <-ctx.Done():
			}
		}()
		out.Done = done
	}
	return out, err
}
