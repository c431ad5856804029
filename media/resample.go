package media

import (
	"fmt"
	"math"
)

// Resampler converts 16-bit mono audio between sample rates with a
// windowed-sinc low-pass filter (Kaiser window, β = 8, 16 zero crossings
// each side at the lower rate, cutoff at 92% of the lower Nyquist
// frequency): taking espeak-ng's 22 050 Hz to 8 kHz leaves the band above
// 3.7 kHz out rather than folding it back as aliases. For rates whose ratio
// reduces to at most 4096 phases (22 050 → 8000 is 160) the filter is
// tabulated once; otherwise it is computed per sample.
//
// Resampling makes new slices; it is for prompts and files, not the
// per-frame path.
type Resampler struct {
	from, to int // the rates divided by their gcd
	half     int // taps each side of the centre, in input samples
	cutoff   float64
	table    []float32 // phases × 2·half, or nil
}

const (
	resampleZeros     = 16
	resampleRolloff   = 0.92
	resampleBeta      = 8.0
	resampleMaxPhases = 4096
)

// NewResampler returns a resampler from rate from to rate to, in Hz.
func NewResampler(from, to int) (*Resampler, error) {
	if from <= 0 || to <= 0 {
		return nil, fmt.Errorf("resample %d Hz to %d Hz: %w", from, to, ErrUnsupportedAudio)
	}
	g := gcd(from, to)
	r := &Resampler{from: from / g, to: to / g}
	// cutoff in cycles per input sample.
	r.cutoff = 0.5 * resampleRolloff * float64(min(from, to)) / float64(from)
	r.half = int(math.Ceil(resampleZeros / (2 * r.cutoff)))
	if r.from == r.to {
		return r, nil
	}
	if r.to <= resampleMaxPhases {
		taps := 2 * r.half
		r.table = make([]float32, r.to*taps)
		for p := range r.to {
			r.phase(p, r.table[p*taps:(p+1)*taps])
		}
	}
	return r, nil
}

// phase fills taps with the filter for output phase p (the output sample
// falls p/to of an input sample after input sample i), normalised to a
// gain of 1 at 0 Hz.
func (r *Resampler) phase(p int, taps []float32) {
	frac := float64(p) / float64(r.to)
	var sum float64
	w := make([]float64, len(taps))
	for j := range taps {
		d := float64(j-r.half+1) - frac // input sample i-half+1+j, relative to the output instant
		w[j] = r.kernel(d)
		sum += w[j]
	}
	for j := range taps {
		taps[j] = float32(w[j] / sum)
	}
}

func (r *Resampler) kernel(d float64) float64 {
	x := d / float64(r.half)
	if x <= -1 || x >= 1 {
		return 0
	}
	arg := 2 * r.cutoff * d
	sinc := 1.0
	if arg != 0 {
		sinc = math.Sin(math.Pi*arg) / (math.Pi * arg)
	}
	return 2 * r.cutoff * sinc * besselI0(resampleBeta*math.Sqrt(1-x*x)) / besselI0(resampleBeta)
}

// besselI0 is the modified Bessel function of the first kind, order 0.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-12 {
			break
		}
	}
	return sum
}

// Resample returns src at the output rate.
func (r *Resampler) Resample(src []int16) []int16 {
	if r.from == r.to {
		return append([]int16(nil), src...)
	}
	if len(src) == 0 {
		return nil
	}
	n := int((int64(len(src))*int64(r.to) + int64(r.from) - 1) / int64(r.from))
	out := make([]int16, n)
	taps := 2 * r.half
	scratch := make([]float32, taps)
	for k := range out {
		num := int64(k) * int64(r.from)
		i := int(num / int64(r.to))
		p := int(num % int64(r.to))
		h := scratch
		if r.table != nil {
			h = r.table[p*taps : (p+1)*taps]
		} else {
			r.phase(p, h)
		}
		var acc float32
		first := i - r.half + 1
		for j, c := range h {
			if idx := first + j; idx >= 0 && idx < len(src) {
				acc += c * float32(src[idx])
			}
		}
		out[k] = saturate(int32(math.Round(float64(acc))))
	}
	return out
}

// Resample converts 16-bit mono src from rate from to rate to.
func Resample(src []int16, from, to int) ([]int16, error) {
	r, err := NewResampler(from, to)
	if err != nil {
		return nil, err
	}
	return r.Resample(src), nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
