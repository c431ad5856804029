package dtmf

import (
	"math"
	"time"
)

// In-band detection constants of Asterisk's main/dsp.c (dtmf_detect, after
// Steve Underwood's tone_detect.c), for signed linear audio at 8 kHz. The
// energies are Goertzel powers of a DTMFBlock-sample block, in the units of
// 16-bit samples.
const (
	// SampleRate is the rate of the audio the Detector takes.
	SampleRate = 8000
	// DTMFBlock is DTMF_GSIZE, the samples per Goertzel block: 102, 12.75 ms
	// ("optimised to meet the DTMF specs").
	DTMFBlock = 102
	// DTMFThreshold is DTMF_THRESHOLD, the least energy of the strongest
	// row and of the strongest column tone (about -42 dBm0 per tone).
	DTMFThreshold = 8.0e7
	// DTMFNormalTwist is DEF_DTMF_NORMAL_TWIST, 6.31 (8 dB): how much
	// stronger the row (low group) tone may be than the column tone.
	DTMFNormalTwist = 6.31
	// DTMFReverseTwist is DEF_DTMF_REVERSE_TWIST, 2.51 (4 dB): how much
	// stronger the column (high group) tone may be than the row tone.
	DTMFReverseTwist = 2.51
	// DTMFRelativePeakRow is DTMF_RELATIVE_PEAK_ROW, 6.3 (8 dB): the best
	// row tone must be that much above every other row tone.
	DTMFRelativePeakRow = 6.3
	// DTMFRelativePeakCol is DTMF_RELATIVE_PEAK_COL, 6.3 (8 dB), the same
	// for the columns.
	DTMFRelativePeakCol = 6.3
	// DTMFToTotalEnergy is DTMF_TO_TOTAL_ENERGY, 42: the two tones'
	// Goertzel energy against the block's sum of squared samples. A pure
	// pair scores DTMFBlock/2 = 51, so 82% of the block's energy must be in
	// the pair (which also rejects blocks only partly covered by the tone).
	DTMFToTotalEnergy = 42.0
	// DTMFHitsToBegin is DEF_DTMF_HITS_TO_BEGIN (dsp.conf
	// dtmf_hits_to_begin): consecutive blocks with the same digit that
	// begin it, 25.5 ms.
	DTMFHitsToBegin = 2
	// DTMFMissesToEnd is DEF_DTMF_MISSES_TO_END (dsp.conf
	// dtmf_misses_to_end): consecutive blocks without it that end it,
	// 38.25 ms.
	DTMFMissesToEnd = 3
)

// dtmfRow and dtmfCol are the DTMF frequencies (ITU-T Q.23) and
// dtmfPositions the digits of the keypad they select, dsp.c's
// dtmf_positions: row*4 + column.
var (
	dtmfRow       = [4]float64{697, 770, 852, 941}
	dtmfCol       = [4]float64{1209, 1336, 1477, 1633}
	dtmfPositions = [16]rune{'1', '2', '3', 'A', '4', '5', '6', 'B', '7', '8', '9', 'C', '*', '0', '#', 'D'}
)

// goertzel is the state of one frequency's Goertzel filter.
type goertzel struct {
	coef   float32 // 2 cos(2π f / fs)
	s1, s2 float32
}

// power is the filter's energy at its frequency after a block, as
// goertzel_result: s1² + s2² - coef·s1·s2.
func (g *goertzel) power() float32 {
	return g.s1*g.s1 + g.s2*g.s2 - g.coef*g.s1*g.s2
}

// Detector finds DTMF digits in 8 kHz signed linear audio as Asterisk's
// dsp.c does for dtmfmode=inband (and auto without telephone-event):
// Goertzel filters at the 8 DTMF frequencies over blocks of DTMFBlock
// samples; a block is a hit for a digit when the strongest row and column
// tones pass DTMFThreshold, their ratio is within DTMFNormalTwist and
// DTMFReverseTwist, each is DTMFRelativePeakRow/Col above the other tones
// of its group, and together they hold DTMFToTotalEnergy of the block's
// energy. DTMFHitsToBegin hits in a row begin a digit, DTMFMissesToEnd
// blocks without it end it (ETSI ES 201 235-3's 40 ms recognition
// conditions, as dsp.c notes).
//
// Process reports each digit once, at its end, with the measured
// duration: Asterisk queues AST_FRAME_DTMF_BEGIN when the digit begins
// and AST_FRAME_DTMF_END when it ends, and applications (Read, Background,
// WaitExten) act on the END. Current tells a digit in progress (the BEGIN)
// for callers that mute it or stop a prompt early.
//
// A Detector is for one audio stream and is not safe for concurrent use.
// Process does not allocate.
type Detector struct {
	row, col [4]goertzel
	energy   float32 // sum of squared samples of the current block
	n        int     // samples in the current block

	lastHit rune // digit of the previous block (0: none)
	hits    int  // consecutive blocks of lastHit
	current rune // digit in progress (dsp.c current_hit), 0 if none
	misses  int  // consecutive blocks without current
	length  int  // samples of current so far (dsp.c digitlen)

	queue [4]Event
	nq    int
}

// NewDetector returns a Detector for 8 kHz audio.
func NewDetector() *Detector {
	d := &Detector{}
	for i := range 4 {
		d.row[i].coef = float32(2 * math.Cos(2*math.Pi*dtmfRow[i]/SampleRate))
		d.col[i].coef = float32(2 * math.Cos(2*math.Pi*dtmfCol[i]/SampleRate))
	}
	return d
}

// Reset forgets the audio seen so far and any digit in progress (not
// reported), as ast_dsp_digitreset.
func (d *Detector) Reset() {
	for i := range 4 {
		d.row[i].s1, d.row[i].s2 = 0, 0
		d.col[i].s1, d.col[i].s2 = 0, 0
	}
	d.energy, d.n = 0, 0
	d.lastHit, d.hits, d.current, d.misses, d.length = 0, 0, 0, 0, 0
	d.nq = 0
}

// Process takes the next frame of audio, of any length (usually 160
// samples, 20 ms), and returns a digit that ended in it. A frame rarely
// ends two digits (a digit may begin before the previous one ends); the
// second is returned by the next call of Process or Next.
func (d *Detector) Process(frame []int16) (Event, bool) {
	for len(frame) > 0 {
		k := min(len(frame), DTMFBlock-d.n)
		d.feed(frame[:k])
		frame = frame[k:]
		d.n += k
		if d.n == DTMFBlock {
			d.block()
		}
	}
	return d.Next()
}

// feed runs the samples through the filters.
func (d *Detector) feed(samples []int16) {
	r0, r1, r2, r3 := d.row[0], d.row[1], d.row[2], d.row[3]
	c0, c1, c2, c3 := d.col[0], d.col[1], d.col[2], d.col[3]
	e := d.energy
	for _, s := range samples {
		x := float32(s)
		e += x * x
		r0.s1, r0.s2 = x+r0.coef*r0.s1-r0.s2, r0.s1
		r1.s1, r1.s2 = x+r1.coef*r1.s1-r1.s2, r1.s1
		r2.s1, r2.s2 = x+r2.coef*r2.s1-r2.s2, r2.s1
		r3.s1, r3.s2 = x+r3.coef*r3.s1-r3.s2, r3.s1
		c0.s1, c0.s2 = x+c0.coef*c0.s1-c0.s2, c0.s1
		c1.s1, c1.s2 = x+c1.coef*c1.s1-c1.s2, c1.s1
		c2.s1, c2.s2 = x+c2.coef*c2.s1-c2.s2, c2.s1
		c3.s1, c3.s2 = x+c3.coef*c3.s1-c3.s2, c3.s1
	}
	d.row[0], d.row[1], d.row[2], d.row[3] = r0, r1, r2, r3
	d.col[0], d.col[1], d.col[2], d.col[3] = c0, c1, c2, c3
	d.energy = e
}

// block ends a Goertzel block: dtmf_detect's tests and its hit/miss
// debouncing, then the filters restart.
func (d *Detector) block() {
	hit := d.classify()

	if d.current != 0 {
		if hit != d.current {
			d.misses++
			if d.misses == DTMFMissesToEnd {
				d.end()
			}
		} else {
			d.misses = 0
			d.length += DTMFBlock
		}
	}
	// A new digit may begin before the last one ended (dsp.c looks for a
	// begin whether or not a digit is in progress).
	if hit != d.lastHit {
		d.lastHit, d.hits = hit, 0
	}
	if hit != 0 && hit != d.current {
		d.hits++
		if d.hits == DTMFHitsToBegin {
			if d.current != 0 {
				d.end()
			}
			d.current, d.misses = hit, 0
			d.length = DTMFHitsToBegin * DTMFBlock
		}
	}

	for i := range 4 {
		d.row[i].s1, d.row[i].s2 = 0, 0
		d.col[i].s1, d.col[i].s2 = 0, 0
	}
	d.energy, d.n = 0, 0
}

// classify returns the digit a block holds, 0 for none.
func (d *Detector) classify() rune {
	var rowE, colE [4]float32
	bestRow, bestCol := 0, 0
	for i := range 4 {
		rowE[i] = d.row[i].power()
		colE[i] = d.col[i].power()
		if rowE[i] > rowE[bestRow] {
			bestRow = i
		}
		if colE[i] > colE[bestCol] {
			bestCol = i
		}
	}
	r, c := rowE[bestRow], colE[bestCol]
	// Basic signal level and twist tests.
	if r < DTMFThreshold || c < DTMFThreshold ||
		c >= r*DTMFReverseTwist || r >= c*DTMFNormalTwist {
		return 0
	}
	// Relative peak tests.
	for i := range 4 {
		if (i != bestCol && colE[i]*DTMFRelativePeakCol > c) ||
			(i != bestRow && rowE[i]*DTMFRelativePeakRow > r) {
			return 0
		}
	}
	// Fraction of total energy.
	if r+c <= DTMFToTotalEnergy*d.energy {
		return 0
	}
	return dtmfPositions[bestRow<<2+bestCol]
}

// end reports the digit in progress.
func (d *Detector) end() {
	ev := Event{
		Digit:    d.current,
		Duration: samplesDuration(d.length),
		Source:   SourceInband,
	}
	if d.nq == len(d.queue) {
		copy(d.queue[:], d.queue[1:])
		d.nq--
	}
	d.queue[d.nq] = ev
	d.nq++
	d.current, d.misses = 0, 0
}

// Next returns a digit that ended and was not returned yet.
func (d *Detector) Next() (Event, bool) {
	if d.nq == 0 {
		return Event{}, false
	}
	ev := d.queue[0]
	copy(d.queue[:], d.queue[1:d.nq])
	d.nq--
	return ev, true
}

// Current returns the digit in progress: begun (DTMFHitsToBegin blocks)
// and not yet ended.
func (d *Detector) Current() (rune, bool) {
	return d.current, d.current != 0
}

// samplesDuration converts 8 kHz samples to a duration.
func samplesDuration(n int) time.Duration {
	return time.Duration(n) * time.Second / SampleRate
}
