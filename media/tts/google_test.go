package tts

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/media"
)

// synthesizeRequest is text:synthesize's request body as Google documents
// it (SynthesizeSpeechRequest), decoded strictly: a field Obelisk sends
// that the API does not have fails the test.
type synthesizeRequest struct {
	Input *struct {
		Text *string `json:"text"`
		SSML *string `json:"ssml"`
	} `json:"input"`
	Voice *struct {
		LanguageCode string `json:"languageCode"`
		Name         string `json:"name"`
		SSMLGender   string `json:"ssmlGender"`
	} `json:"voice"`
	AudioConfig *struct {
		AudioEncoding   string  `json:"audioEncoding"`
		SampleRateHertz int     `json:"sampleRateHertz"`
		SpeakingRate    float64 `json:"speakingRate"`
	} `json:"audioConfig"`
}

// fakeGoogle is a local Text-to-Speech API: it checks each request's
// shape and answers a WAVE file of a 1 kHz tone at rate Hz.
type fakeGoogle struct {
	t        *testing.T
	rate     int
	requests []synthesizeRequest
	auth     []string
	keys     []string
	status   int // answer this error status when set
}

func (f *fakeGoogle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/text:synthesize" {
		http.Error(w, `{"error":{"code":404,"message":"not found","status":"NOT_FOUND"}}`, http.StatusNotFound)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.t.Errorf("Content-Type %q", ct)
	}
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.keys = append(f.keys, r.URL.Query().Get("key"))
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	var req synthesizeRequest
	if err := dec.Decode(&req); err != nil {
		f.t.Errorf("request body: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.requests = append(f.requests, req)
	if f.status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		io.WriteString(w, `{"error":{"code":400,"message":"Voice 'xx-XX-Nope' does not exist.","status":"INVALID_ARGUMENT"}}`)
		return
	}
	if req.Input == nil || (req.Input.Text == nil) == (req.Input.SSML == nil) {
		f.t.Error("input must have exactly one of text and ssml")
	}
	if req.Voice == nil || req.Voice.LanguageCode == "" || req.AudioConfig == nil || req.AudioConfig.AudioEncoding != "LINEAR16" {
		f.t.Errorf("voice or audioConfig missing: %+v", req)
	}
	wav := media.EncodeWAV(media.WAVFormat{SampleRate: f.rate, Channels: 1, BitsPerSample: 16}, tone(1000, f.rate, f.rate/2))
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(map[string]string{"audioContent": base64.StdEncoding.EncodeToString(wav)})
}

func newFakeGoogle(t *testing.T, rate int) (*fakeGoogle, *httptest.Server) {
	f := &fakeGoogle{t: t, rate: rate}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func TestGoogleTTS(t *testing.T) {
	tests := []struct {
		name, text, lang, voice string
		rate                    int
		wantCode                string
		ssml                    bool
	}{
		{"text in french", "Bienvenue au centre d'appels.", "fr", "fr-FR-Standard-A", 8000, "fr-FR", false},
		{"arabic code", "مرحبا", "ar", "", 8000, "ar-XA", false},
		{"region", "Welcome", "en_GB", "", 8000, "en-GB", false},
		{"unmapped language sent as is", "Hallo", "de_DE", "", 8000, "de-DE", false},
		{"ssml", `<speak>Press <say-as interpret-as="characters">1</say-as>.</speak>`, "en", "", 8000, "en-US", true},
		{"audio at 24 kHz is resampled", "Welcome", "en", "", 24000, "en-US", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFakeGoogle(t, tc.rate)
			g := &GoogleTTS{BaseURL: srv.URL, APIKey: "k3y"}
			pcm, err := g.Synthesize(context.Background(), tc.text, tc.lang, tc.voice)
			if err != nil {
				t.Fatal(err)
			}
			if d := duration(pcm); d < 490*time.Millisecond || d > 510*time.Millisecond {
				t.Errorf("audio lasts %v, want 500ms", d)
			}
			req := f.requests[0]
			if req.Voice.LanguageCode != tc.wantCode || req.Voice.Name != tc.voice {
				t.Errorf("voice %+v, want %s %q", *req.Voice, tc.wantCode, tc.voice)
			}
			if req.AudioConfig.SampleRateHertz != 8000 {
				t.Errorf("sampleRateHertz %d", req.AudioConfig.SampleRateHertz)
			}
			if tc.ssml != (req.Input.SSML != nil) {
				t.Errorf("ssml sent: %v, want %v", req.Input.SSML != nil, tc.ssml)
			}
			if f.keys[0] != "k3y" || f.auth[0] != "" {
				t.Errorf("key %q, Authorization %q", f.keys[0], f.auth[0])
			}
		})
	}
}

func TestGoogleTTSBearer(t *testing.T) {
	f, srv := newFakeGoogle(t, 8000)
	g := &GoogleTTS{BaseURL: srv.URL + "/", Token: func(context.Context) (string, error) { return "ya29.tok", nil }}
	if _, err := g.Synthesize(context.Background(), "Hi", "en", ""); err != nil {
		t.Fatal(err)
	}
	if f.auth[0] != "Bearer ya29.tok" || f.keys[0] != "" {
		t.Errorf("Authorization %q, key %q", f.auth[0], f.keys[0])
	}
	g.Token = func(context.Context) (string, error) { return "", errors.New("no credentials") }
	if _, err := g.Synthesize(context.Background(), "Hi", "en", ""); err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Errorf("token failure: %v", err)
	}
}

func TestGoogleTTSErrors(t *testing.T) {
	f, srv := newFakeGoogle(t, 8000)
	f.status = http.StatusBadRequest
	g := &GoogleTTS{BaseURL: srv.URL}
	_, err := g.Synthesize(context.Background(), "Hi", "en", "xx-XX-Nope")
	if !errors.Is(err, ErrEngine) || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "INVALID_ARGUMENT") {
		t.Errorf("API error: %v", err)
	}

	answers := []struct {
		name   string
		status int
		body   string
		err    error
	}{
		{"empty audio", 200, `{"audioContent":""}`, ErrNoAudio},
		{"not base64", 200, `{"audioContent":"!!"}`, ErrEngine},
		{"not json", 200, `<html>`, ErrEngine},
		{"corrupt wav", 200, `{"audioContent":"` + base64.StdEncoding.EncodeToString([]byte("RIFFxxxxWAVEjunk")) + `"}`, media.ErrCorruptAudio},
		{"html error", 503, `<html>unavailable</html>`, ErrEngine},
	}
	for _, tc := range answers {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := (&GoogleTTS{BaseURL: srv.URL}).Synthesize(context.Background(), "Hi", "en", "")
			if !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}

	if _, err := (&GoogleTTS{BaseURL: "http://127.0.0.1:1"}).Synthesize(context.Background(), "Hi", "en", ""); err == nil {
		t.Error("no server: no error")
	}
}

func TestDecodeLinear16Headerless(t *testing.T) {
	pcm, err := decodeLinear16(bytes.Repeat([]byte{1, 0}, 80))
	if err != nil || len(pcm) != 80 || pcm[0] != 1 {
		t.Errorf("headerless LINEAR16: %d samples, %v", len(pcm), err)
	}
}
