package pbx

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/obelisk-pbx/obelisk/cdr"
	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/events"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/media/tts"
	"github.com/obelisk-pbx/obelisk/outbound"
	"github.com/obelisk-pbx/obelisk/queues"
	"github.com/obelisk-pbx/obelisk/voicemail"
	bolt "go.etcd.io/bbolt"
)

// Options configure a Switch.
type Options struct {
	// ConfigFS is the configuration directory (os.DirFS(dir), or the
	// embedded demo).
	ConfigFS fs.FS
	// ConfigName describes ConfigFS in logs ("/etc/obelisk", "built-in demo").
	ConfigName string
	// DataDir holds obelisk.db, sounds, recordings, voicemail, spool and logs.
	DataDir string
	// Logger receives the switch's logs; slog.Default() when nil.
	Logger *slog.Logger
}

// DataDirs are the subdirectories of the data directory, created at start.
var DataDirs = []string{"sounds", "recordings", "voicemail", "spool/outgoing", "spool/outgoing_done", "spool/tmp", "spool/monitor", "log"}

// DirVars returns the dialplan's directory variables (Asterisk's
// ASTDATADIR, ASTLOGDIR, ASTSPOOLDIR …) for a data directory, as absolute
// paths: ${ASTLOGDIR}/Queue.csv is dataDir/log/Queue.csv.
func DirVars(dataDir string) (map[string]string, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", dataDir, err)
	}
	return map[string]string{
		"ASTDATADIR":   abs,
		"ASTVARLIBDIR": abs,
		"ASTLOGDIR":    filepath.Join(abs, "log"),
		"ASTSPOOLDIR":  filepath.Join(abs, "spool"),
	}, nil
}

// Switch is a running Obelisk: configuration, store and dialplan engine.
type Switch struct {
	opts   Options
	log    *slog.Logger
	db     *bolt.DB
	reg    *ivr.Registry
	engine *ivr.Engine
	cfg    atomic.Pointer[Config]
	sip    *sipService
	// prompts finds the sounds calls play; tts is the speech cache of the
	// configuration in force.
	prompts *prompts
	tts     atomic.Pointer[tts.Cache]
	// queueMgr runs the queues of queues.conf; queueDial rings their
	// members for it.
	queueMgr  *queues.Manager
	queueDial *queueDialer
	queueLog  *queues.QueueLog
	// vm is voicemail (VoiceMail, VoiceMailMain, MWI).
	vm *voicemail.Service
	// cdrs takes each call's CDRs: DATA/log/cdr-csv/Master.csv as
	// cdr_csv writes them, and DATA/log/cdr.json, one JSON line a call.
	cdrs cdr.Writer
	// channels numbers the channels created, for their names.
	channels atomic.Uint64
	// locals counts the Local channels up (local.go).
	locals localChannels
	// shell runs System() commands and MixMonitor's.
	shell func(ctx context.Context, command string) (int, error)
	// moh keeps the loaded music-on-hold classes.
	moh mohCache
	// bridges are the bridge sessions running, by leg (bridge.go).
	bridges bridgeRegistry
	// parking is the parking lot (parking.go).
	parking parkingLot
	// events is the event stream; live the channels it describes
	// (events.go).
	events events.Bus
	live   channelRegistry
	// http are the handlers other parts mount on the HTTP server
	// (http.go).
	http httpMounts
	// campaigns is the campaign engine (campaign.go).
	campaigns campaignService

	reloadMu  sync.Mutex
	closeOnce sync.Once
	closeErr  error
}

// NewRegistry returns the applications and functions the switch provides.
func NewRegistry() *ivr.Registry {
	r := ivr.NewCoreRegistry()
	r.RegisterApp(dialApp())
	r.RegisterApp(queueApp())
	r.RegisterFunction(cdrFunction())
	r.RegisterApp(voiceMailApp())
	r.RegisterApp(voiceMailMainApp())
	r.RegisterApp(parkApp())
	r.RegisterApp(parkedCallApp())
	r.RegisterApp(userEventApp()) // app_userevent.go
	r.RegisterApp(stripePaymentApp())
	r.RegisterFunction(amountWordsFunction()) // both in app_payment.go
	for _, a := range queueMemberApps() {
		r.RegisterApp(a)
	}
	registerMediaApps(r)
	return r
}

// New opens the data directory and store and loads the configuration; it
// fails when the configuration has errors (they are returned as
// config.Diagnostics inside the error).
func New(o Options) (*Switch, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Switch{opts: o, log: o.Logger.With("component", "pbx"), reg: NewRegistry(), shell: systemShell}
	cfg, diags := LoadConfig(o.ConfigFS, s.reg)
	for _, d := range diags {
		if d.Severity == config.SeverityWarning {
			s.log.Warn(d.Error())
		}
	}
	if err := diags.Err(); err != nil {
		return nil, fmt.Errorf("load configuration from %s: %w", o.ConfigName, err)
	}
	for _, d := range DataDirs {
		if err := os.MkdirAll(filepath.Join(o.DataDir, d), 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	if dir, wrote, err := media.InstallDefaultMOH(filepath.Join(o.DataDir, "sounds")); err != nil {
		s.log.Warn("default music on hold not installed", "error", err)
	} else if wrote {
		s.log.Info("default music on hold installed", "dir", dir)
	}
	db, err := bolt.Open(filepath.Join(o.DataDir, "obelisk.db"), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", filepath.Join(o.DataDir, "obelisk.db"), err)
	}
	s.db = db
	astdb, err := ivr.NewBoltDB(db)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	dirs, err := DirVars(o.DataDir)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	dirs["ASTETCDIR"] = o.ConfigName
	s.prompts = &prompts{
		lib:       &media.Library{Dirs: []string{filepath.Join(o.DataDir, "sounds")}, Logger: s.log},
		catalogue: func() *media.Catalogue { return s.Config().Prompts },
		tts: func() synthCache {
			if c := s.tts.Load(); c != nil {
				return c
			}
			return nil
		},
		log: s.log,
	}
	csvw, err := cdr.NewCSVWriter(filepath.Join(o.DataDir, "log", "cdr-csv"), cfg.CDR.CSV, cdr.WithLogger(s.log))
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	jsonw, err := cdr.NewJSONWriter(filepath.Join(o.DataDir, "log", "cdr.json"))
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.cdrs = cdr.MultiWriter{csvw, jsonw}
	s.engine = ivr.New(cfg.Dialplan, ivr.Options{
		Trace: func(ch *ivr.Channel, p *ivr.Priority, args string) {
			traceApp(ch, p, args)
			s.traceChannel(ch, p, args)
		},
		Registry:   s.reg,
		Logger:     o.Logger,
		DB:         astdb,
		SystemName: "obelisk",
		Dirs:       dirs,
		Shell:      s.shell,
		OnVarSet:   s.varSet,
	})
	s.cfg.Store(cfg)
	s.setTTS(cfg)
	if err := s.startQueues(cfg); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := s.startVoicemail(cfg); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := s.startCampaigns(cfg); err != nil {
		_ = db.Close()
		return nil, err
	}
	s.log.Info("configuration loaded", "from", o.ConfigName, "files", len(cfg.Files),
		"contexts", len(cfg.Dialplan.Contexts), "warnings", len(diags))
	return s, nil
}

// startQueues builds the queue runtime: dynamic members in the bbolt
// file, events in DATA/log/queue_log.
func (s *Switch) startQueues(cfg *Config) error {
	qcfg := cfg.Queues
	if qcfg == nil {
		qcfg = &queues.Config{}
	}
	store, err := queues.NewBoltStore(s.db)
	if err != nil {
		return fmt.Errorf("queue members store: %w", err)
	}
	qlog, err := queues.OpenQueueLog(filepath.Join(s.opts.DataDir, "log", "queue_log"))
	if err != nil {
		return err
	}
	s.queueLog = qlog
	s.queueDial = &queueDialer{s: s}
	s.queueMgr, err = queues.New(qcfg, store, s.queueDial,
		queues.WithEventLog(queueEvents{qlog, s}), queues.WithTuning(cfg.QueueTuning),
		queues.WithDeviceStates(queues.DeviceStateFunc(s.deviceState)),
		queues.WithLogger(s.opts.Logger.With("component", "queues")))
	return err
}

// startVoicemail opens the voicemail spool in DATA/voicemail (Asterisk's
// layout) with voicemail.conf's mailboxes.
func (s *Switch) startVoicemail(cfg *Config) error {
	vcfg := cfg.Voicemail
	if vcfg == nil {
		vcfg = &voicemail.Config{}
	}
	spool, err := voicemail.NewSpool(filepath.Join(s.opts.DataDir, "voicemail"))
	if err != nil {
		return err
	}
	s.vm, err = voicemail.New(vcfg, spool, voicemail.WithLogger(s.opts.Logger),
		voicemail.WithNotifier(voicemail.NotifierFunc(s.mailboxChanged)))
	return err
}

// setTTS makes the speech cache of cfg's engine: files under
// DATA/sounds/tts, keyed by engine, voice, language and text, so a reload
// that changes the engine makes new files and keeps the old ones.
func (s *Switch) setTTS(cfg *Config) {
	if cfg.TTS == nil {
		s.tts.Store(nil)
		return
	}
	s.tts.Store(&tts.Cache{Dir: filepath.Join(s.opts.DataDir, "sounds", "tts"),
		Engine: cfg.TTS.Synthesizer(os.Getenv("OBELISK_GOOGLE_TTS_KEY"))})
}

// systemShell runs command with /bin/sh -c, as System() does, and
// returns its exit code.
func systemShell(ctx context.Context, command string) (int, error) {
	err := exec.CommandContext(ctx, "/bin/sh", "-c", command).Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// Config returns the configuration in force.
func (s *Switch) Config() *Config { return s.cfg.Load() }

// Engine returns the dialplan engine.
func (s *Switch) Engine() *ivr.Engine { return s.engine }

// Reload loads the configuration again and swaps it in whole; when the new
// files have errors the old configuration stays and the errors are returned.
func (s *Switch) Reload() (config.Diagnostics, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cfg, diags := LoadConfig(s.opts.ConfigFS, s.reg)
	if err := diags.Err(); err != nil {
		s.log.Error("reload rejected, keeping the running configuration", "errors", err.Error())
		return diags, fmt.Errorf("reload: %w", err)
	}
	s.engine.SetDialplan(cfg.Dialplan)
	s.cfg.Store(cfg)
	s.setTTS(cfg)
	if s.queueMgr != nil && cfg.Queues != nil {
		s.queueMgr.Reload(cfg.Queues, cfg.QueueTuning)
	}
	s.reloadCampaigns(cfg) // campaign.go
	s.log.Info("configuration reloaded", "files", len(cfg.Files), "contexts", len(cfg.Dialplan.Contexts), "warnings", len(diags))
	return diags, nil
}

// Run serves until ctx ends: the SIP server when the configuration has
// SIP endpoints (AMI and HTTP join as they are built). It returns after
// every service has stopped, then closes the store.
func (s *Switch) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
		cancel()
	}
	if cfg := s.Config(); cfg.SIP != nil {
		srv, err := s.newSIPServer(cfg)
		if err != nil {
			fail(err)
		} else {
			s.sip = srv
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := srv.Run(ctx); err != nil {
					fail(err)
				}
			}()
		}
	}
	// Messages a kill left half-committed are delivered before new calls.
	if msgs, err := s.vm.Recover(ctx); err != nil {
		s.log.Warn("voicemail recovery", "error", err)
	} else if len(msgs) > 0 {
		s.log.Info("voicemail messages recovered", "messages", len(msgs))
	}
	// The Telegram click-to-call bot (telegram.conf enabled=yes,
	// telegram.go).
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.runTelegram(ctx); err != nil {
			fail(err)
		}
	}()
	// The manager (manager.conf enabled=yes) serves AMI clients (ami.go).
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.runAMI(ctx); err != nil {
			fail(err)
		}
	}()
	// The HTTP server (http.conf enabled=yes): the dial-out API and the
	// mounted resources (api.go).
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.runAPI(ctx); err != nil {
			fail(err)
		}
	}()
	// Call files dropped into DATA/spool/outgoing are placed as Asterisk's
	// pbx_spool places them.
	if spool, err := outbound.New(s.spoolDir(), &originator{s: s}, outbound.WithLogger(s.opts.Logger.With("component", "spool"))); err != nil {
		fail(err)
	} else {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := spool.Run(ctx); err != nil {
				fail(err)
			}
		}()
	}
	// Running campaigns dial their customers (campaign.go).
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.runCampaigns(ctx); err != nil {
			fail(err)
		}
	}()
	<-ctx.Done()
	wg.Wait()
	errs = append(errs, s.Close())
	return errors.Join(errs...)
}

// Close closes the store; it is idempotent.
func (s *Switch) Close() error {
	s.closeOnce.Do(func() {
		if s.queueLog != nil {
			_ = s.queueLog.Close()
		}
		if s.vm != nil {
			_ = s.vm.Close()
		}
		if s.db != nil {
			s.closeErr = s.db.Close()
		}
	})
	if errors.Is(s.closeErr, bolt.ErrDatabaseNotOpen) {
		return nil
	}
	return s.closeErr
}
