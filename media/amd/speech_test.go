package amd

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The answers of the speech tests, spoken by espeak-ng.
const (
	humanText   = "Hello?"
	machineText = "Hi, you have reached the voicemail of John Smith. I am not available right now, please leave your message after the tone."
)

// speech says text with espeak-ng (English) and brings it to 8 kHz
// signed linear with sox, as a call would carry it.
func speech(t *testing.T, text string) []int16 {
	t.Helper()
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (scripts/install-deps.sh installs it): %v", tool, err)
		}
	}
	dir := t.TempDir()
	wav, raw := filepath.Join(dir, "speech.wav"), filepath.Join(dir, "speech.raw")
	if out, err := exec.Command("espeak-ng", "-v", "en", "-w", wav, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	return soxRaw(t, raw, wav)
}

// beep is the tone after a voicemail greeting: 1 kHz for 500 ms at half
// scale, made by sox.
func beep(t *testing.T) []int16 {
	t.Helper()
	return soxRaw(t, filepath.Join(t.TempDir(), "beep.raw"), "-n", "synth", "0.5", "sine", "1000", "vol", "0.5")
}

// soxRaw runs sox from in (a file, or -n for none) to raw (8 kHz, mono,
// 16-bit signed) through effects, and returns the samples.
func soxRaw(t *testing.T, raw, in string, effects ...string) []int16 {
	t.Helper()
	args := append([]string{in, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", raw}, effects...)
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		t.Fatalf("sox %q: %v\n%s", args, err, out)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return pcm
}

// TestSpeech: espeak-ng's "Hello?" after half a second of silence, then
// silence, is a HUMAN; a voicemail greeting then a beep is a MACHINE,
// with amd.conf.sample's settings and with app_amd's built-in ones.
func TestSpeech(t *testing.T) {
	hello, greeting, tone := speech(t, humanText), speech(t, machineText), beep(t)
	quiet := func(ms int) []int16 { return make([]int16, ms*8) }
	human := append(append(quiet(500), hello...), quiet(3000)...)
	machine := append(append(append(quiet(500), greeting...), tone...), quiet(1000)...)
	for _, c := range []struct {
		name string
		cfg  Config
	}{{"amd.conf.sample", sampleConfig()}, {"built-in defaults", DefaultConfig()}} {
		t.Run(c.name, func(t *testing.T) {
			r, fed := run(New(c.cfg), human)
			t.Logf("%q: %s after %d ms", humanText, r, fed)
			if r.Status != Human || r.Reason != ReasonHuman {
				t.Errorf("%q: %s, want HUMAN HUMAN-800-800", humanText, r)
			}
			r, fed = run(New(c.cfg), machine)
			t.Logf("the greeting: %s after %d ms", r, fed)
			if r.Status != Machine {
				t.Errorf("the greeting: %s, want MACHINE", r)
			}
		})
	}
}
