package voicemail

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"time"
)

// errNotWAV means a file is not a RIFF WAVE file with fmt and data chunks.
var errNotWAV = errors.New("not a WAV file")

// repairWAV fixes the RIFF and data sizes of a WAV file cut short (a
// recorder killed before it rewrote its header) from the file's length and
// returns the audio's duration.
//
//	0  "RIFF" size(4) "WAVE"
//	12 "fmt " size(4) format(2) channels(2) rate(4) byterate(4) align(2) bits(2)
//	.. "data" size(4) samples…
func repairWAV(path string) (time.Duration, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := st.Size()
	var hdr [12]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return 0, errNotWAV
	}
	var byteRate uint32
	off := int64(12)
	for off+8 <= size {
		var ch [8]byte
		if _, err := f.ReadAt(ch[:], off); err != nil {
			return 0, errNotWAV
		}
		n := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch string(ch[0:4]) {
		case "fmt ":
			var fm [16]byte
			if _, err := f.ReadAt(fm[:], off+8); err != nil {
				return 0, errNotWAV
			}
			byteRate = binary.LittleEndian.Uint32(fm[8:12])
		case "data":
			if byteRate == 0 {
				return 0, errNotWAV
			}
			have := size - off - 8
			if n == 0 || n > have {
				n = have
				var b [4]byte
				binary.LittleEndian.PutUint32(b[:], uint32(n))
				if _, err := f.WriteAt(b[:], off+4); err != nil {
					return 0, err
				}
				binary.LittleEndian.PutUint32(b[:], uint32(size-8))
				if _, err := f.WriteAt(b[:], 4); err != nil {
					return 0, err
				}
				if err := f.Sync(); err != nil {
					return 0, err
				}
			}
			return time.Duration(n) * time.Second / time.Duration(byteRate), nil
		}
		off += 8 + n + n%2
	}
	return 0, errNotWAV
}
