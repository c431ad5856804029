package amd

// DefaultSilenceThreshold is dsp.conf's silencethreshold (Asterisk's
// DEFAULT_SILENCE_THRESHOLD), the default of amd.conf's silence_threshold:
// a frame whose mean absolute sample is below it is silence.
const DefaultSilenceThreshold = 256

// samplesPerMS is 8 kHz audio's samples a millisecond (Asterisk's
// DEFAULT_SAMPLES_PER_MS).
const samplesPerMS = 8

// SilenceDetector is the silence half of Asterisk's DSP
// (__ast_dsp_silence_noise in main/dsp.c): a frame's energy is the mean
// of its samples' absolute values, in integer arithmetic; a frame under
// the threshold adds its length to the silence that ends the audio, any
// other frame resets it to 0. The zero value has threshold 0 (nothing is
// silent); set Threshold first.
type SilenceDetector struct {
	// Threshold is the energy under which a frame is silent (0..32767).
	Threshold int
	// silence is dsp->totalsilence, in milliseconds.
	silence int
}

// Energy returns a frame's mean absolute sample, as
// __ast_dsp_silence_noise computes it (the sum's integer division by the
// number of samples); 0 for an empty frame.
func Energy(pcm []int16) int {
	if len(pcm) == 0 {
		return 0
	}
	accum := 0
	for _, s := range pcm {
		v := int(s)
		if v < 0 {
			v = -v
		}
		accum += v
	}
	return accum / len(pcm)
}

// Frame takes one frame of 8 kHz audio and returns the milliseconds of
// silence that end the audio so far (ast_dsp_silence's totalsilence): 0
// when the frame is not silent. An empty frame changes nothing and
// returns 0, as ast_dsp_silence does.
func (d *SilenceDetector) Frame(pcm []int16) int {
	if len(pcm) == 0 {
		return 0
	}
	if Energy(pcm) < d.Threshold {
		d.silence += len(pcm) / samplesPerMS
	} else {
		d.silence = 0
	}
	return d.silence
}

// Reset forgets the silence counted.
func (d *SilenceDetector) Reset() { d.silence = 0 }
