package pbx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
)

// tonePart is one element of an indications.conf tone list:
//
//	[!]freq1[+freq2|*freq2][/duration]     frequencies in Hz
//	[!]Mnote1[+Mnote2|*Mnote2][/duration]  MIDI note numbers
//
// f1+f2 plays both frequencies, f1*f2 plays f1 modulated by f2 (a fixed
// 90 % depth); a duration of 0 or none plays for ever; frequency 0 is
// silence.
type tonePart struct {
	freq1, freq2 int
	modulate     bool
	duration     time.Duration
	// once is the leading !: the part is not repeated.
	once bool
}

// toneList is a parsed tone list, as ast_playtones_start makes it: after
// the last part it starts again from the first part without a !, or ends
// when every part has one.
type toneList struct {
	parts []tonePart
	// repeat is the index the list repeats from; -1 when it ends.
	repeat int
	// skipped lists the elements that could not be parsed (Asterisk logs
	// and skips them).
	skipped []string
}

// errNoToneParts means a tone list has no valid element.
var errNoToneParts = errors.New("no valid tone parts")

// parseToneList parses a tone list as ast_playtones_start does: elements
// are separated by '|' when the list has one, else by ','; an empty
// element ends the list; an element that does not parse is skipped.
func parseToneList(s string) (toneList, error) {
	l := toneList{repeat: -1}
	sep := ","
	if strings.Contains(s, "|") {
		sep = "|"
	}
	for _, el := range strings.Split(s, sep) {
		el = strings.TrimSpace(el)
		if el == "" {
			break
		}
		body, once := strings.CutPrefix(el, "!")
		if !once && l.repeat == -1 {
			l.repeat = len(l.parts)
		}
		p, ok := parseTonePart(strings.TrimSpace(body))
		if !ok {
			l.skipped = append(l.skipped, el)
			continue
		}
		p.once = once
		l.parts = append(l.parts, p)
	}
	if len(l.parts) == 0 {
		return l, fmt.Errorf("tone list %q: %w", s, errNoToneParts)
	}
	if l.repeat >= len(l.parts) {
		l.repeat = len(l.parts) - 1 // the repeated element itself was skipped
	}
	return l, nil
}

// parseTonePart reads one element without its !, as
// ast_tone_zone_part_parse's sscanf patterns do (trailing text is
// ignored).
func parseTonePart(s string) (tonePart, bool) {
	var p tonePart
	midi := strings.HasPrefix(s, "M")
	if midi {
		s = s[1:]
	}
	f1, rest, ok := scanUint(s)
	if !ok {
		return p, false
	}
	p.freq1 = f1
	if len(rest) > 0 && (rest[0] == '+' || rest[0] == '*') {
		r := rest[1:]
		if midi {
			r = strings.TrimPrefix(r, "M")
		}
		if f2, r2, ok := scanUint(r); ok {
			p.freq2, p.modulate, rest = f2, rest[0] == '*', r2
		} else {
			rest = ""
		}
	}
	if len(rest) > 0 && rest[0] == '/' {
		if ms, _, ok := scanUint(rest[1:]); ok {
			p.duration = time.Duration(ms) * time.Millisecond
		}
	}
	if midi {
		p.freq1 = midiHz(p.freq1)
		if p.freq2 != 0 {
			p.freq2 = midiHz(p.freq2)
		}
	}
	return p, true
}

// scanUint reads the decimal number s starts with.
func scanUint(s string) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, s, false
	}
	n, _ = strconv.Atoi(s[:i])
	return n, s[i:], true
}

// midiHz is indications.c's midi_tohz: the note's frequency rounded down;
// notes past 127 are silence.
func midiHz(note int) int {
	if note > 127 {
		return 0
	}
	return int(440 * math.Pow(2, float64(note-69)/12))
}

// toneZone is one country of indications.conf: its named tone lists.
type toneZone struct {
	country     string
	description string
	tones       map[string]string
}

// toneZones are the countries Obelisk knows, with the values of
// Asterisk's indications.conf.sample.
var toneZones = map[string]*toneZone{
	"us": {country: "us", description: "United States / North America", tones: map[string]string{
		"dial":        "350+440",
		"busy":        "480+620/500,0/500",
		"ring":        "440+480/2000,0/4000",
		"congestion":  "480+620/250,0/250",
		"callwaiting": "440/300,0/10000",
		"dialrecall":  "!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440",
		"record":      "1400/500,0/15000",
		"info":        "!950/330,!1400/330,!1800/330,0",
		"stutter":     "!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440",
	}},
	"fr": {country: "fr", description: "France", tones: map[string]string{
		"dial":       "440",
		"busy":       "440/500,0/500",
		"ring":       "440/1500,0/3500",
		"congestion": "440/250,0/250",
		"callwait":   "440/300,0/10000",
		"dialrecall": "!350+440/100,!0/100,!350+440/100,!0/100,!350+440/100,!0/100,350+440",
		"record":     "1400/500,0/15000",
		"info":       "!950/330,!1400/330,!1800/330",
		"stutter":    "!440/100,!0/100,!440/100,!0/100,!440/100,!0/100,!440/100,!0/100,!440/100,!0/100,!440/100,!0/100,440",
	}},
}

// defaultToneZone is indications.conf's [general] country=us.
const defaultToneZone = "us"

// zoneFor returns the tone zone of a country code ("fr"), or of a
// language's country ("fr", "fr_FR"), or the default zone.
func zoneFor(country, language string) *toneZone {
	if z, ok := toneZones[strings.ToLower(country)]; ok {
		return z
	}
	lang := strings.ToLower(language)
	if _, region, ok := strings.Cut(lang, "_"); ok {
		if z, ok := toneZones[region]; ok {
			return z
		}
	}
	base, _, _ := strings.Cut(lang, "_")
	if z, ok := toneZones[base]; ok {
		return z
	}
	return toneZones[defaultToneZone]
}

// resolveTones returns the tone list of arg: a tone name of the zone
// ("busy"), or a tone list itself.
func (z *toneZone) resolve(arg string) string {
	if t, ok := z.tones[strings.ToLower(strings.TrimSpace(arg))]; ok {
		return t
	}
	return arg
}

// toneVolume is each frequency's amplitude: ast_playtones_start's default
// of 7219, -8 dBFS.
const toneVolume = 7219

// toneReader plays a tone list as 20 ms frames in a codec, with no
// allocation per frame. Each part starts at phase 0, and parts change at
// their exact sample (Asterisk changes them at a frame's end).
type toneReader struct {
	list   toneList
	format media.SoundFormat
	part   int
	pos    int // samples played of the part
	ended  bool
	pcm    [media.FrameSamples]int16
}

var _ media.FrameReader = (*toneReader)(nil)

// newToneReader returns a reader of l in codec.
func newToneReader(l toneList, codec string) (*toneReader, error) {
	f, err := media.ParseCodec(codec)
	if err != nil {
		return nil, fmt.Errorf("tones: %w", err)
	}
	return &toneReader{list: l, format: f}, nil
}

// Next implements media.FrameReader.
func (t *toneReader) Next(dst []byte) (int, error) {
	if t.ended {
		return 0, io.EOF
	}
	size := media.FrameBytes(t.format)
	if len(dst) < size {
		return 0, io.ErrShortBuffer
	}
	for i := range t.pcm {
		if t.ended {
			t.pcm[i] = 0
			continue
		}
		t.pcm[i] = t.sample()
	}
	switch t.format {
	case media.FormatULaw:
		media.EncodeULaw(dst, t.pcm[:])
	case media.FormatALaw:
		media.EncodeALaw(dst, t.pcm[:])
	default:
		for i, v := range t.pcm {
			dst[2*i], dst[2*i+1] = byte(v), byte(uint16(v)>>8)
		}
	}
	return size, nil
}

// sample returns the next sample and moves on.
func (t *toneReader) sample() int16 {
	p := &t.list.parts[t.part]
	x := float64(t.pos) / media.SampleRate
	s1 := toneVolume * math.Sin(2*math.Pi*float64(p.freq1)*x)
	s2 := toneVolume * math.Sin(2*math.Pi*float64(p.freq2)*x)
	var v float64
	if p.modulate {
		// playtones_generator's modulation: f1 scaled by |f2 - 32768|·0.9.
		v = s1 * (math.Abs(s2-32768)*0.9 + 1) / 32768
	} else {
		v = s1 + s2
	}
	t.pos++
	if p.duration > 0 && t.pos >= int(p.duration.Milliseconds())*media.SampleRate/1000 {
		t.pos = 0
		t.part++
		if t.part >= len(t.list.parts) {
			if t.list.repeat < 0 {
				t.ended = true
				t.part = len(t.list.parts) - 1
			} else {
				t.part = t.list.repeat
			}
		}
	}
	return int16(max(math.MinInt16, min(math.MaxInt16, math.Round(v))))
}

// playTones starts the tone list (or tone name) arg on c in the
// background, in the zone of country or of the channel's language.
func (c *sipCall) playTones(arg, country, language string) error {
	list, err := parseToneList(zoneFor(country, language).resolve(arg))
	if len(list.skipped) > 0 {
		c.in.Logger().Warn("tone list: skipped parts that do not parse", "tones", arg, "skipped", list.skipped)
	}
	if err != nil {
		return err
	}
	codec, err := c.mediaCodec()
	if err != nil {
		return err
	}
	tr, err := newToneReader(list, codec)
	if err != nil {
		return err
	}
	c.startGenerator("tones", tr)
	return nil
}

// indicateInBand is an indication on an answered call, which SIP cannot
// signal any more: the caller hears the zone's tone instead, as Asterisk's
// ast_indicate emulates an indication its channel driver refuses (chan_sip
// and chan_pjsip refuse busy, congestion and ringing once answered).
func (c *sipCall) indicateInBand(ind ivr.Indication) error {
	name := ""
	switch ind {
	case ivr.IndicationRinging:
		name = "ring"
	case ivr.IndicationBusy:
		name = "busy"
	case ivr.IndicationCongestion:
		name = "congestion"
	default:
		return nil
	}
	lang := ""
	if c.ch != nil {
		lang = c.ch.Language()
	}
	if err := c.playTones(name, "", lang); err != nil {
		if c.in.Context().Err() != nil {
			return ivr.ErrHangup
		}
		return fmt.Errorf("%s tone: %w", name, err)
	}
	return nil
}

// playTonesApp is Asterisk's PlayTones.
//
// # Syntax
//
//	PlayTones(arg[,country])
//
// Plays a tone list to the caller in the background: the dialplan goes on
// at once while the tones play, until StopPlayTones, a playback (Playback,
// Background, Read, Speak …), Dial's bridge, another generator (music on
// hold) or the hangup. arg is a tone name of the channel's country (dial,
// busy, ring, congestion, callwaiting, dialrecall, record, info,
// stutter), or a tone list in indications.conf syntax:
//
//	element  = [!]freq1[+freq2|*freq2][/duration_ms]
//	tonelist = element[,element]*
//
// f1+f2 mixes two frequencies, f1*f2 modulates f1 by f2; an element
// without a duration lasts for ever; the list repeats from its first
// element without a !, and ends after its last when every element has
// one. Mnote plays MIDI note numbers.
//
// Obelisk ships the us and fr countries with the values of Asterisk's
// indications.conf.sample. The country is the optional second argument
// (an Obelisk addition), else the channel's language (fr, fr_FR → fr),
// else us (indications.conf's default country).
//
// As in Asterisk, an empty argument or a list with no valid element ends
// the call.
//
// # Example
//
//	exten => 600,1,Answer()
//	 same => n,PlayTones(440+480/2000,0/4000)
//	 same => n,Wait(6)
//	 same => n,PlayTones(busy,fr)
//	 same => n,Wait(3)
//	 same => n,StopPlayTones()
func playTonesApp() *ivr.App {
	return &ivr.App{
		Name:     "PlayTones",
		Synopsis: "Play a tone list in the background: PlayTones(arg[,country]); arg is a tone name (busy, ring …) or a list like 440+480/2000,0/4000",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			parts := ivr.SplitArgs(args)
			arg := ""
			if len(parts) > 0 {
				arg = strings.TrimSpace(parts[0])
			}
			if arg == "" {
				ch.Logger().Warn("PlayTones: nothing to play")
				return errors.New("PlayTones requires an argument (tone list)")
			}
			country := ""
			if len(parts) > 1 {
				country = strings.TrimSpace(parts[1])
			}
			c, ok := mediaCall(ch)
			if !ok {
				ch.Logger().Info("PlayTones: the call has no media", "tones", arg)
				return nil
			}
			// Tone lists use commas, as the app's own arguments do: a
			// list is given whole, so it is the raw argument when it is
			// not a tone name with a country.
			list := arg
			if _, named := zoneFor(country, ch.Language()).tones[strings.ToLower(arg)]; !named || len(parts) > 2 {
				list, country = args, ""
			}
			if err := c.playTones(list, country, ch.Language()); err != nil {
				if errors.Is(err, ivr.ErrHangup) {
					return err
				}
				ch.Logger().Warn("PlayTones: unable to start playtones", "tones", args, "error", err)
				return fmt.Errorf("PlayTones(%s): %w", args, err)
			}
			return nil
		},
	}
}

// stopPlayTonesApp is Asterisk's StopPlayTones.
//
// # Syntax
//
//	StopPlayTones()
//
// Stops the tones PlayTones started (in fact whatever plays in the
// background, music on hold included, as ast_playtones_stop deactivates
// the channel's generator).
//
// # Example
//
//	same => n,PlayTones(ring)
//	same => n,Wait(4)
//	same => n,StopPlayTones()
func stopPlayTonesApp() *ivr.App {
	return &ivr.App{
		Name:     "StopPlayTones",
		Synopsis: "Stop the tones PlayTones started: StopPlayTones()",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			if c, ok := mediaCall(ch); ok {
				c.stopGenerator()
			}
			return nil
		},
	}
}
