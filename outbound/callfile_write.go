package outbound

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// MarshalText writes cf as a call file that ParseCallFile (and Asterisk)
// read back to the same call: Channel, CallerID, WaitTime, MaxRetries,
// RetryTime, Account, Application and Data or Context, Extension and
// Priority, a Setvar line per variable, Codecs, and AlwaysDelete, Archive and
// early_media when they differ from the defaults. The retry state (Retries,
// CallingPID, Status) is not written: the text is a new call file.
//
// ';' in a value is escaped as "\;". A value that the format cannot carry
// is refused with ErrBadValue: a newline or NUL, blanks at either end (the
// parser drops them), or a '#' at its start or after a blank (a comment).
func (cf *CallFile) MarshalText() ([]byte, error) {
	var b bytes.Buffer
	var err error
	put := func(key, value string) {
		if err != nil {
			return
		}
		var v string
		if v, err = escapeValue(key, value); err == nil {
			fmt.Fprintf(&b, "%s: %s\n", key, v)
		}
	}
	if !strings.Contains(cf.Channel, "/") {
		return nil, fmt.Errorf("call file %s: Channel %q: %w", cf.Name, cf.Channel, ErrNoChannel)
	}
	if cf.Application == "" && cf.Extension == "" {
		return nil, fmt.Errorf("call file %s: %w", cf.Name, ErrNoDestination)
	}
	put("Channel", cf.Channel)
	switch {
	case cf.CallerID != "":
		put("CallerID", cf.CallerID)
	case cf.CallerIDName != "":
		name := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(cf.CallerIDName)
		put("CallerID", `"`+name+`" <`+cf.CallerIDNum+`>`)
	case cf.CallerIDNum != "":
		put("CallerID", "<"+cf.CallerIDNum+">")
	}
	if cf.WaitTime > 0 {
		put("WaitTime", strconv.FormatInt(int64(cf.WaitTime.Seconds()), 10))
	}
	put("MaxRetries", strconv.Itoa(cf.MaxRetries))
	if cf.RetryTime > 0 {
		put("RetryTime", strconv.FormatInt(int64(cf.RetryTime.Seconds()), 10))
	}
	if cf.Account != "" {
		put("Account", cf.Account)
	}
	if cf.Application != "" {
		put("Application", cf.Application)
		if cf.Data != "" {
			put("Data", cf.Data)
		}
	} else {
		if cf.Context != "" {
			put("Context", cf.Context)
		}
		put("Extension", cf.Extension)
		put("Priority", strconv.Itoa(max(cf.Priority, 1)))
	}
	for _, v := range cf.Vars {
		if err == nil && (strings.Contains(v.Name, "=") || v.Name == "") {
			err = fmt.Errorf("call file %s: variable name %q: %w", cf.Name, v.Name, ErrBadValue)
		}
		put("Setvar", v.Name+"="+v.Value)
	}
	if len(cf.Codecs) > 0 {
		put("Codecs", strings.Join(cf.Codecs, ","))
	}
	if !cf.AlwaysDelete {
		put("AlwaysDelete", "no")
	}
	if cf.Archive {
		put("Archive", "yes")
	}
	if cf.EarlyMedia {
		put("early_media", "yes")
	}
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// escapeValue makes value safe for a "key: value" line or says why it
// cannot be.
func escapeValue(key, value string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("%s value %q: %s: %w", key, value, why, ErrBadValue)
	}
	if strings.ContainsAny(value, "\n\x00") {
		return "", bad("newline or NUL")
	}
	if value != "" && (value[0] < 33 || value[len(value)-1] < 33) {
		return "", bad("blank at an end")
	}
	for i := 0; i < len(value); i++ {
		if value[i] == '#' && (i == 0 || value[i-1] == ' ' || value[i-1] == '\t') {
			return "", bad("'#' at the start or after a blank is a comment")
		}
	}
	return strings.ReplaceAll(value, ";", `\;`), nil
}
