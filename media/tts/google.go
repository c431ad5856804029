package tts

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/media"
)

// DefaultGoogleTTSURL is Google Cloud Text-to-Speech's REST endpoint.
const DefaultGoogleTTSURL = "https://texttospeech.googleapis.com"

// DefaultGoogleLanguages maps languages to Google's BCP-47 language codes
// (Google's Modern Standard Arabic is ar-XA).
var DefaultGoogleLanguages = map[string]string{
	"ar":    "ar-XA",
	"en":    "en-US",
	"en-gb": "en-GB",
	"en-us": "en-US",
	"fr":    "fr-FR",
	"fr-ca": "fr-CA",
}

// DefaultGoogleTimeout bounds one synthesis request.
const DefaultGoogleTimeout = 15 * time.Second

// GoogleTTS is the Google Cloud Text-to-Speech engine. Each Synthesize is
// one POST {BaseURL}/v1/text:synthesize:
//
//	{"input": {"text": "…"} or {"ssml": "<speak>…</speak>"},
//	 "voice": {"languageCode": "fr-FR", "name": "fr-FR-Standard-A"},
//	 "audioConfig": {"audioEncoding": "LINEAR16", "sampleRateHertz": 8000}}
//
// answered by {"audioContent": base64 of a WAVE file}. Text that starts
// with <speak> is sent as SSML. Errors are Google's
// {"error": {"code", "message", "status"}}.
type GoogleTTS struct {
	// BaseURL is the API root; empty is DefaultGoogleTTSURL.
	BaseURL string
	// APIKey, when set, is sent as the key query parameter.
	APIKey string
	// Token, when set, returns an OAuth 2 access token sent as
	// "Authorization: Bearer" (a service account's).
	Token func(ctx context.Context) (string, error)
	// Languages maps a language to Google's language code; nil is
	// DefaultGoogleLanguages. An unmapped language is sent as given.
	Languages map[string]string
	// Client sends the requests; nil is a client with DefaultGoogleTimeout.
	Client *http.Client
}

// Name implements Synthesizer.
func (g *GoogleTTS) Name() string { return "google" }

type googleRequest struct {
	Input       googleInput       `json:"input"`
	Voice       googleVoice       `json:"voice"`
	AudioConfig googleAudioConfig `json:"audioConfig"`
}

type googleInput struct {
	Text string `json:"text,omitempty"`
	SSML string `json:"ssml,omitempty"`
}

type googleVoice struct {
	LanguageCode string `json:"languageCode"`
	Name         string `json:"name,omitempty"`
}

type googleAudioConfig struct {
	AudioEncoding   string `json:"audioEncoding"`
	SampleRateHertz int    `json:"sampleRateHertz"`
}

type googleResponse struct {
	AudioContent string `json:"audioContent"`
}

type googleError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
	} `json:"error"`
}

// IsSSML reports whether text is an SSML document.
func IsSSML(text string) bool {
	return strings.HasPrefix(strings.TrimSpace(text), "<speak")
}

// Synthesize implements Synthesizer.
func (g *GoogleTTS) Synthesize(ctx context.Context, text, lang, voice string) ([]int16, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("google tts: empty text: %w", ErrNoAudio)
	}
	langs := g.Languages
	if langs == nil {
		langs = DefaultGoogleLanguages
	}
	code, ok := languageKey(langs, lang)
	if !ok {
		code = strings.ReplaceAll(lang, "_", "-")
	}
	if code == "" {
		return nil, fmt.Errorf("google tts: no language: %w", ErrUnsupportedLanguage)
	}
	req := googleRequest{
		Voice:       googleVoice{LanguageCode: code, Name: voice},
		AudioConfig: googleAudioConfig{AudioEncoding: "LINEAR16", SampleRateHertz: media.SampleRate},
	}
	if IsSSML(text) {
		req.Input.SSML = text
	} else {
		req.Input.Text = text
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("google tts: %w", err)
	}
	base := g.BaseURL
	if base == "" {
		base = DefaultGoogleTTSURL
	}
	u := strings.TrimRight(base, "/") + "/v1/text:synthesize"
	if g.APIKey != "" {
		u += "?key=" + url.QueryEscape(g.APIKey)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("google tts: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json; charset=utf-8")
	if g.Token != nil {
		tok, err := g.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("google tts token: %w", err)
		}
		hreq.Header.Set("Authorization", "Bearer "+tok)
	}
	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultGoogleTimeout}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("google tts: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("google tts: read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e googleError
		if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
			return nil, fmt.Errorf("google tts %s: %s (%d %s): %w", code, e.Error.Message, e.Error.Code, e.Error.Status, ErrEngine)
		}
		return nil, fmt.Errorf("google tts %s: HTTP %s: %w", code, resp.Status, ErrEngine)
	}
	var r googleResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("google tts %s: answer: %v: %w", code, err, ErrEngine)
	}
	audio, err := base64.StdEncoding.DecodeString(r.AudioContent)
	if err != nil {
		return nil, fmt.Errorf("google tts %s: audioContent: %v: %w", code, err, ErrEngine)
	}
	if len(audio) == 0 {
		return nil, fmt.Errorf("google tts %s: %w", code, ErrNoAudio)
	}
	return decodeLinear16(audio)
}

// decodeLinear16 reads LINEAR16 audio: a WAVE file as Google sends, or
// headerless 8 kHz samples.
func decodeLinear16(audio []byte) ([]int16, error) {
	if bytes.HasPrefix(audio, []byte("RIFF")) {
		f, pcm, err := media.DecodeWAV(audio)
		if err != nil {
			return nil, fmt.Errorf("google tts audio: %w", err)
		}
		if len(pcm) == 0 {
			return nil, fmt.Errorf("google tts audio: %w", ErrNoAudio)
		}
		return to8k(f, pcm)
	}
	pcm := make([]int16, len(audio)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(audio[2*i:]))
	}
	return pcm, nil
}
