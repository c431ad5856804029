package ivr

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
)

// recordingCall is a Call that records every sound played as "lang:sound".
// Sounds in missing do not exist; key is pressed during the sound named
// keyOn.
type recordingCall struct {
	played  []string
	missing map[string]bool
	keyOn   string
	key     rune
}

func (*recordingCall) Answer(context.Context) error               { return nil }
func (*recordingCall) Hangup(context.Context, int) error          { return nil }
func (*recordingCall) Indicate(context.Context, Indication) error { return nil }
func (*recordingCall) SendDigits(context.Context, string) error   { return nil }
func (*recordingCall) WaitDigit(context.Context, time.Duration) (rune, error) {
	return 0, nil
}

func (c *recordingCall) Play(_ context.Context, sound, lang, stop string) (rune, error) {
	if c.missing[sound] {
		return 0, ErrSoundNotFound
	}
	c.played = append(c.played, lang+":"+sound)
	if sound == c.keyOn && strings.ContainsRune(stop, c.key) {
		return c.key, nil
	}
	return 0, nil
}

var _ Call = (*recordingCall)(nil)

// runSay runs conf from default,s on a channel in lang and returns what it
// played and the steps it ran.
func runSay(t *testing.T, conf, lang string, call *recordingCall) (played, ran []string) {
	t.Helper()
	e := New(mustLoad(t, conf), Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Trace:  func(ch *Channel, p *Priority, args string) { ran = append(ran, ch.Location()+": "+p.App+"("+args+")") },
	})
	ch := e.NewChannel(call, ChannelOptions{Context: "default", Exten: "s", Language: lang, State: StateUp})
	e.Run(t.Context(), ch)
	return call.played, ran
}

func TestSayNumberSounds(t *testing.T) {
	d := func(names ...string) string {
		for i, n := range names {
			names[i] = "digits/" + n
		}
		return strings.Join(names, " ")
	}
	type row struct {
		n    int
		g    Gender
		want string
	}
	f := GenderFeminine
	tests := []struct {
		lang string
		rows []row
	}{
		{"en", []row{
			{0, 0, d("0")}, {1, 0, d("1")}, {1, f, d("1")}, {7, 0, d("7")}, {10, 0, d("10")},
			{11, 0, d("11")}, {16, 0, d("16")}, {17, 0, d("17")}, {20, 0, d("20")},
			{21, 0, d("20", "1")}, {70, 0, d("70")}, {71, 0, d("70", "1")}, {77, 0, d("70", "7")},
			{80, 0, d("80")}, {81, 0, d("80", "1")}, {91, 0, d("90", "1")}, {99, 0, d("90", "9")},
			{100, 0, d("1", "hundred")}, {101, 0, d("1", "hundred", "1")}, {200, 0, d("2", "hundred")},
			{999, 0, d("9", "hundred", "90", "9")}, {1000, 0, d("1", "thousand")},
			{1001, 0, d("1", "thousand", "1")}, {2000, 0, d("2", "thousand")},
			{21000, 0, d("20", "1", "thousand")}, {1000000, 0, d("1", "million")},
			{1234567, 0, d("1", "million", "2", "hundred", "30", "4", "thousand", "5", "hundred", "60", "7")},
			{-5, 0, d("minus", "5")},
		}},
		{"fr", []row{
			{0, 0, d("0")}, {1, 0, d("1")}, {1, f, d("1F")}, {7, 0, d("7")}, {10, 0, d("10")},
			{11, 0, d("11")}, {16, 0, d("16")}, {17, 0, d("17")}, {20, 0, d("20")},
			{21, 0, d("20", "et", "1")}, {21, f, d("20", "et", "1F")}, {31, 0, d("30", "et", "1")},
			{61, 0, d("60", "et", "1")}, {70, 0, d("60", "10")}, {71, 0, d("60", "et", "11")},
			{77, 0, d("60", "17")}, {80, 0, d("80")}, {81, 0, d("80", "1")}, {81, f, d("80", "1F")},
			{91, 0, d("80", "11")}, {99, 0, d("80", "19")}, {100, 0, d("hundred")},
			{101, 0, d("hundred", "1")}, {200, 0, d("2", "hundred")},
			{999, 0, d("9", "hundred", "80", "19")}, {1000, 0, d("thousand")},
			{1001, 0, d("thousand", "1")}, {2000, 0, d("2", "thousand")},
			{21000, 0, d("20", "et", "1", "thousand")}, {21000, f, d("20", "et", "1F", "thousand")},
			{1000000, 0, d("1", "million")}, {-5, 0, d("minus", "5")},
		}},
		{"ar", []row{
			{0, 0, d("0")}, {1, 0, d("1")}, {1, f, d("1F")}, {7, 0, d("7")}, {7, f, d("7F")},
			{10, 0, d("10")}, {11, 0, d("11")}, {11, f, d("11F")}, {16, 0, d("16")}, {17, 0, d("17")},
			{20, 0, d("20")}, {21, 0, d("1", "and", "20")}, {21, f, d("1F", "and", "20")},
			{70, 0, d("70")}, {71, 0, d("1", "and", "70")}, {77, 0, d("7", "and", "70")},
			{80, 0, d("80")}, {81, 0, d("1", "and", "80")}, {91, 0, d("1", "and", "90")},
			{99, 0, d("9", "and", "90")}, {100, 0, d("100")}, {101, 0, d("100", "and", "1")},
			{200, 0, d("200")}, {999, 0, d("900", "and", "9", "and", "90")},
			{1000, 0, d("thousand")}, {1001, 0, d("thousand", "and", "1")},
			{1100, 0, d("thousand", "and", "100")}, {2000, 0, d("thousand-dual")},
			{3000, 0, d("3", "thousands")}, {3000, f, d("3", "thousands")}, {10000, 0, d("10", "thousands")},
			{11000, 0, d("11", "thousand-acc")}, {21000, 0, d("1", "and", "20", "thousand-acc")},
			{100000, 0, d("100", "thousand")}, {101000, 0, d("100", "thousand", "and", "thousand")},
			{102000, 0, d("100", "thousand", "and", "thousand-dual")},
			{103000, 0, d("100", "and", "3", "thousands")}, {200000, 0, d("200-construct", "thousand")},
			{999000, 0, d("900", "and", "9", "and", "90", "thousand-acc")},
			{1000000, 0, d("million")}, {2000000, 0, d("million-dual")}, {5000000, 0, d("5", "millions")},
			{1234567, 0, d("million", "and", "200", "and", "4", "and", "30", "thousand-acc", "and", "500", "and", "7", "and", "60")},
			{2002, f, d("thousand-dual", "and", "2F")},
			{-5, 0, d("minus", "5")},
		}},
	}
	for _, tc := range tests {
		for _, r := range tc.rows {
			name := tc.lang + "/" + strings.ReplaceAll(strings.TrimSpace(strings.Join([]string{strconv.Itoa(r.n), map[Gender]string{f: "f"}[r.g]}, " ")), " ", ",")
			t.Run(name, func(t *testing.T) {
				got, err := NumberSounds(r.n, tc.lang, r.g)
				if err != nil {
					t.Fatal(err)
				}
				if s := strings.Join(got, " "); s != r.want {
					t.Errorf("NumberSounds(%d, %s, %v)\n got %s\nwant %s", r.n, tc.lang, r.g, s, r.want)
				}
			})
		}
	}
}

func TestSayNumberLanguages(t *testing.T) {
	tests := []struct {
		lang, want string
	}{
		{"fr_CA", "digits/60 digits/et digits/11"},
		{"FR", "digits/60 digits/et digits/11"},
		{"ar_EG", "digits/1 digits/and digits/70"},
		{"de", "digits/70 digits/1"},
		{"", "digits/70 digits/1"},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			got, err := NumberSounds(71, tc.lang, GenderUnknown)
			if err != nil || strings.Join(got, " ") != tc.want {
				t.Errorf("NumberSounds(71, %q) = %v, %v; want %s", tc.lang, got, err, tc.want)
			}
		})
	}
}

func TestSayNumberTooLarge(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want string
	}{
		{"billion", 1000000000, ""},
		{"int32 max", 2147483647, ""},
		{"minus billion", -1000000000, "digits/minus"},
	}
	for _, lang := range []string{"en", "fr", "ar"} {
		for _, tc := range tests {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				got, err := NumberSounds(tc.n, lang, GenderUnknown)
				if !errors.Is(err, ErrNumberTooLarge) || strings.Join(got, " ") != tc.want {
					t.Errorf("NumberSounds(%d) = %v, %v", tc.n, got, err)
				}
			})
		}
		got, err := NumberSounds(999999999, lang, GenderUnknown)
		if err != nil || len(got) == 0 {
			t.Errorf("%s 999999999: %v, %v", lang, got, err)
		}
	}
}

func TestDigitSounds(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"digits", "0123456789", "digits/0 digits/1 digits/2 digits/3 digits/4 digits/5 digits/6 digits/7 digits/8 digits/9"},
		{"keys", "*#-", "digits/star digits/pound digits/minus"},
		{"others skipped", "1a 2.+", "digits/1 digits/2"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(DigitSounds(tc.in), " "); got != tc.want {
				t.Errorf("DigitSounds(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestCharacterSounds(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"letters either case", "aZ", "letters/a letters/z"},
		{"digits and keys", "7*#", "digits/7 digits/star digits/pound"},
		{"symbols", "!@$-.=+/ ", "letters/exclaimation-point letters/at letters/dollar letters/dash letters/dot letters/equals letters/plus letters/slash letters/space"},
		{"others by code", ",é", "letters/ascii44 letters/ascii233"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(CharacterSounds(tc.in), " "); got != tc.want {
				t.Errorf("CharacterSounds(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestGender(t *testing.T) {
	tests := []struct {
		in      string
		want    Gender
		str     string
		wantErr bool
	}{
		{"", GenderUnknown, "unknown", false},
		{"f", GenderFeminine, "f", false},
		{"F", GenderFeminine, "f", false},
		{"m", GenderMasculine, "m", false},
		{"c", GenderCommon, "c", false},
		{"n", GenderNeuter, "n", false},
		{"x", GenderUnknown, "unknown", true},
		{"fem", GenderUnknown, "unknown", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			g, err := ParseGender(tc.in)
			if g != tc.want || (err != nil) != tc.wantErr || g.String() != tc.str {
				t.Errorf("ParseGender(%q) = %v (%s), %v", tc.in, g, g, err)
			}
		})
	}
}

func TestSayApps(t *testing.T) {
	tests := []struct {
		name, lang, app string
		vars            string // Set() before the app
		call            recordingCall
		want            string
		last            string // the last priority run; "" for default,s,3: NoOp(after)
	}{
		{name: "number en", lang: "en", app: "SayNumber(71)", want: "en:digits/70 en:digits/1"},
		{name: "number fr feminine", lang: "fr", app: "SayNumber(21,f)", want: "fr:digits/20 fr:digits/et fr:digits/1F"},
		{name: "number ar", lang: "ar", app: "SayNumber(21)", want: "ar:digits/1 ar:digits/and ar:digits/20"},
		{name: "gender upper case", lang: "fr", app: "SayNumber(1,F)", want: "fr:digits/1F"},
		{name: "empty gender", lang: "fr", app: "SayNumber(1,)", want: "fr:digits/1"},
		{name: "leading space and sign", lang: "en", app: "SayNumber( +7)", want: "en:digits/7"},
		{name: "not a number", lang: "en", app: "SayNumber(12abc)", want: ""},
		{name: "beyond 32 bits", lang: "en", app: "SayNumber(3000000000)", want: ""},
		{name: "no argument hangs up", lang: "en", app: "SayNumber()", want: "", last: "default,s,2: SayNumber()"},
		{name: "bad gender hangs up", lang: "fr", app: "SayNumber(1,x)", want: "", last: "default,s,2: SayNumber(1,x)"},
		{name: "too large", lang: "en", app: "SayNumber(-1000000000)", want: "en:digits/minus"},
		{name: "too large interruptible hangs up", lang: "en", app: "SayNumber(1000000000)", vars: "SAY_DTMF_INTERRUPT=yes", want: "", last: "default,s,2: SayNumber(1000000000)"},
		{name: "missing file skipped", lang: "fr", app: "SayNumber(71)", call: recordingCall{missing: map[string]bool{"digits/et": true}}, want: "fr:digits/60 fr:digits/11"},
		{name: "digits", lang: "ar", app: "SayDigits(0#-7a)", want: "ar:digits/0 ar:digits/pound ar:digits/minus ar:digits/7"},
		{name: "alpha", lang: "fr", app: "SayAlpha(Ob-1)", want: "fr:letters/o fr:letters/b fr:letters/dash fr:digits/1"},
		{name: "key ignored by default", lang: "en", app: "SayDigits(123)", call: recordingCall{keyOn: "digits/1", key: '5'}, want: "en:digits/1 en:digits/2 en:digits/3"},
		{name: "key interrupts", lang: "en", app: "SayDigits(123)", vars: "SAY_DTMF_INTERRUPT=1", call: recordingCall{keyOn: "digits/1", key: '5'}, want: "en:digits/1", last: "default,5,1: NoOp(dialled 5)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := "[default]\nexten => s,1,NoOp(start)\n"
			if tc.vars != "" {
				conf = "[default]\nexten => s,1,Set(" + tc.vars + ")\n"
			}
			conf += " same => n," + tc.app + "\n same => n,NoOp(after)\nexten => 5,1,NoOp(dialled 5)\n"
			played, ran := runSay(t, conf, tc.lang, &tc.call)
			if got := strings.Join(played, " "); got != tc.want {
				t.Errorf("played %s\n  want %s", got, tc.want)
			}
			want := tc.last
			if want == "" {
				want = "default,s,3: NoOp(after)"
			}
			if ran[len(ran)-1] != want {
				t.Errorf("ran:\n%s\nwant it to end with %s", strings.Join(ran, "\n"), want)
			}
		})
	}
}
