package ivr

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// registerCoreFunctions adds the dialplan functions the engine implements.
func registerCoreFunctions(r *Registry) {
	for _, f := range []*Function{
		{Name: "CALLERID", Synopsis: "Caller ID: CALLERID(num|name|all|ani|dnid|rdnis)", Read: funcCallerIDRead, Write: funcCallerIDWrite},
		{Name: "CHANNEL", Synopsis: "Channel data: CHANNEL(language|name|uniqueid|linkedid|state|accountcode|musicclass|…)", Read: funcChannelRead, Write: funcChannelWrite},
		{Name: "LANGUAGE", Synopsis: "Channel language (deprecated, use CHANNEL(language))", Read: func(ch *Channel, _ string) (string, error) { return ch.Language(), nil },
			Write: func(ch *Channel, _, v string) error { ch.SetLanguage(v); return nil }},
		{Name: "LEN", Synopsis: "Length of a string: LEN(string)", Read: func(_ *Channel, a string) (string, error) { return strconv.Itoa(len(a)), nil }},
		{Name: "ISNULL", Synopsis: "1 if empty: ISNULL(data)", Read: func(_ *Channel, a string) (string, error) { return boolStr(a == ""), nil }},
		{Name: "EXISTS", Synopsis: "1 if not empty: EXISTS(data)", Read: func(_ *Channel, a string) (string, error) { return boolStr(a != ""), nil }},
		{Name: "IF", Synopsis: "Conditional value: IF(expression?[true]:[false])", Read: funcIf},
		{Name: "CUT", Synopsis: "Fields of a variable: CUT(varname,char-delim,range-spec)", Read: funcCut},
		{Name: "FIELDQTY", Synopsis: "Number of fields: FIELDQTY(varname,delim)", Read: funcFieldQty},
		{Name: "FILTER", Synopsis: "Keep only allowed characters: FILTER(allowed-chars,string)", Read: funcFilter},
		{Name: "TOUPPER", Synopsis: "Upper case: TOUPPER(string)", Read: func(_ *Channel, a string) (string, error) { return strings.ToUpper(a), nil }},
		{Name: "TOLOWER", Synopsis: "Lower case: TOLOWER(string)", Read: func(_ *Channel, a string) (string, error) { return strings.ToLower(a), nil }},
		{Name: "STRFTIME", Synopsis: "Format a time: STRFTIME([epoch][,timezone[,format]])", Read: funcStrftime},
		{Name: "STRPTIME", Synopsis: "Parse a time to epoch: STRPTIME(datetime,timezone,format)", Read: funcStrptime},
		{Name: "RAND", Synopsis: "Random number: RAND([min][,max])", Read: funcRand},
		{Name: "REGEX", Synopsis: `1 if string matches: REGEX("regular expression" string)`, Read: funcRegex},
		{Name: "DB", Synopsis: "AstDB value: DB(family/key)", Read: funcDBRead, Write: funcDBWrite},
		{Name: "DB_DELETE", Synopsis: "Delete an AstDB key and return its value: DB_DELETE(family/key)", Read: funcDBDelete},
		{Name: "DB_EXISTS", Synopsis: "1 if an AstDB key exists (value in DB_RESULT): DB_EXISTS(family/key)", Read: funcDBExists},
		{Name: "DB_KEYS", Synopsis: "Keys under a family: DB_KEYS([prefix])", Read: funcDBKeys},
		{Name: "GLOBAL", Synopsis: "Global variable: GLOBAL(name)", Read: func(ch *Channel, a string) (string, error) { v, _ := ch.engine.Global(a); return v, nil },
			Write: func(ch *Channel, a, v string) error { ch.engine.SetGlobal(strings.TrimSpace(a), v); return nil }},
		{Name: "SET", Synopsis: "Set a variable and return its value: SET(var=value)", Read: funcSet},
		{Name: "LOCAL", Synopsis: "Variable local to the current Gosub: LOCAL(name)", Read: func(ch *Channel, a string) (string, error) { return ch.Var(a), nil },
			Write: func(ch *Channel, a, v string) error { ch.SetLocal(strings.TrimSpace(a), v); return nil }},
		{Name: "TIMEOUT", Synopsis: "Channel timeouts: TIMEOUT(absolute|digit|response)", Read: funcTimeoutRead, Write: funcTimeoutWrite},
		{Name: "EXCEPTION", Synopsis: "Last exception: EXCEPTION(reason|context|exten|priority)", Read: funcException},
		{Name: "VALID_EXTEN", Synopsis: "1 if an extension exists: VALID_EXTEN([context],extension[,priority])", Read: funcValidExten},
		{Name: "DIALPLAN_EXISTS", Synopsis: "1 if a dialplan location exists: DIALPLAN_EXISTS(context[,extension[,priority]])", Read: funcDialplanExists},
		{Name: "EVAL", Synopsis: "Substitute a variable's value again: EVAL(variable)", Read: func(ch *Channel, a string) (string, error) { return ch.Expand(ch.Var(a)), nil }},
		{Name: "QUOTE", Synopsis: "Quote a string: QUOTE(string)", Read: func(_ *Channel, a string) (string, error) {
			return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a) + `"`, nil
		}},
		{Name: "ENV", Synopsis: "Environment variable: ENV(name)", Read: func(_ *Channel, a string) (string, error) { return os.Getenv(a), nil }},
	} {
		r.RegisterFunction(f)
	}
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func funcCallerIDRead(ch *Channel, args string) (string, error) {
	item, raw, hasRaw := strings.Cut(args, ",")
	cid := ch.CallerID()
	if hasRaw {
		cid = ParseCallerID(raw)
	}
	switch strings.ToLower(strings.TrimSpace(item)) {
	case "num", "number":
		return cid.Num, nil
	case "name":
		return cid.Name, nil
	case "all", "":
		// func_callerid.c prints both parts even when empty: "" <7001>.
		return `"` + cid.Name + `" <` + cid.Num + ">", nil
	case "ani", "ani-num":
		return cid.ANI, nil
	case "dnid", "dnid-num":
		return cid.DNID, nil
	case "rdnis":
		return cid.RDNIS, nil
	}
	return "", fmt.Errorf("unknown callerid data type %q", item)
}

func funcCallerIDWrite(ch *Channel, args, value string) error {
	cid := ch.CallerID()
	switch strings.ToLower(strings.TrimSpace(args)) {
	case "num", "number":
		cid.Num = value
	case "name":
		cid.Name = value
	case "all", "":
		p := ParseCallerID(value)
		cid.Num, cid.Name = p.Num, p.Name
	case "ani", "ani-num":
		cid.ANI = value
	case "dnid", "dnid-num":
		cid.DNID = value
	case "rdnis":
		cid.RDNIS = value
	default:
		return fmt.Errorf("unknown callerid data type %q", args)
	}
	ch.SetCallerID(cid)
	return nil
}

// channelVarItems are CHANNEL() items kept as hidden channel data.
var channelVarItems = map[string]bool{"musicclass": true, "audioreadformat": true, "audiowriteformat": true,
	"hangupsource": true, "callgroup": true, "pickupgroup": true, "parkinglot": true, "tonezone": true, "amaflags": true,
	"transfercapability": true, "peeraccount": true, "userfield": true}

func funcChannelRead(ch *Channel, args string) (string, error) {
	item := strings.ToLower(strings.TrimSpace(args))
	switch item {
	case "language":
		return ch.Language(), nil
	case "name":
		return ch.Name, nil
	case "uniqueid":
		return ch.UniqueID, nil
	case "linkedid":
		return ch.LinkedID, nil
	case "state":
		return ch.State().String(), nil
	case "accountcode":
		return ch.AccountCode, nil
	case "context":
		return ch.Context, nil
	case "exten":
		return ch.Exten, nil
	case "channeltype":
		name, _, _ := strings.Cut(ch.Name, "/")
		return name, nil
	case "hangupcause":
		return strconv.Itoa(ch.HangupCause()), nil
	}
	if channelVarItems[item] {
		v, _ := ch.LookupVar("\x00CHANNEL_" + item)
		return v, nil
	}
	return "", fmt.Errorf("unknown CHANNEL item %q", args)
}

func funcChannelWrite(ch *Channel, args, value string) error {
	item := strings.ToLower(strings.TrimSpace(args))
	switch item {
	case "language":
		ch.SetLanguage(value)
		return nil
	case "accountcode":
		ch.AccountCode = value
		return nil
	}
	if channelVarItems[item] {
		ch.mu.Lock()
		ch.vars["\x00CHANNEL_"+item] = &variable{value: value}
		ch.mu.Unlock()
		return nil
	}
	return fmt.Errorf("CHANNEL item %q cannot be written", args)
}

func funcIf(_ *Channel, args string) (string, error) {
	cond, rest, ok := strings.Cut(args, "?")
	if !ok {
		return "", errors.New("IF syntax is IF(expression?[true]:[false])")
	}
	t, f, _ := strings.Cut(rest, ":")
	if CheckCondition(strings.TrimSpace(cond)) {
		return t, nil
	}
	return f, nil
}

// funcCut is CUT(varname,char-delim,range-spec): varname names a variable;
// the delimiter defaults to '-'; fields are 1-based ranges joined with '&'.
func funcCut(ch *Channel, args string) (string, error) {
	parts := SplitArgs(args)
	if len(parts) < 3 {
		return "", errors.New("CUT syntax is CUT(varname,char-delim,range-spec)")
	}
	value := ch.Var(strings.TrimSpace(parts[0]))
	delim := parts[1]
	if delim == "" {
		delim = "-"
	}
	delim = delim[:1]
	fields := strings.Split(value, delim)
	var out []string
	for _, spec := range strings.Split(parts[2], "&") {
		spec = strings.TrimSpace(spec)
		from, to := 0, 0
		if a, b, isRange := strings.Cut(spec, "-"); isRange {
			from, to = 1, len(fields)
			if a != "" {
				from, _ = strconv.Atoi(a)
			}
			if b != "" {
				to, _ = strconv.Atoi(b)
			}
		} else {
			n, err := strconv.Atoi(spec)
			if err != nil {
				return "", fmt.Errorf("CUT: bad field spec %q", spec)
			}
			from, to = n, n
		}
		for i := max(from, 1); i <= to && i <= len(fields); i++ {
			out = append(out, fields[i-1])
		}
	}
	return strings.Join(out, delim), nil
}

func funcFieldQty(ch *Channel, args string) (string, error) {
	parts := SplitArgs(args)
	if len(parts) < 2 {
		return "", errors.New("FIELDQTY syntax is FIELDQTY(varname,delim)")
	}
	v := ch.Var(strings.TrimSpace(parts[0]))
	if v == "" {
		return "0", nil
	}
	d := parts[1]
	if d == "" {
		d = "-"
	}
	return strconv.Itoa(strings.Count(v, d[:1]) + 1), nil
}

// funcFilter keeps the characters of string found in allowed, where allowed
// may hold ranges "a-z".
func funcFilter(_ *Channel, args string) (string, error) {
	allowed, s, ok := strings.Cut(args, ",")
	if !ok {
		return "", errors.New("FILTER syntax is FILTER(allowed-chars,string)")
	}
	var set [256]bool
	for i := 0; i < len(allowed); i++ {
		if i+2 < len(allowed) && allowed[i+1] == '-' {
			for c := int(allowed[i]); c <= int(allowed[i+2]); c++ {
				set[c] = true
			}
			i += 2
			continue
		}
		set[allowed[i]] = true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if set[s[i]] {
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

func loadLocation(name string) (*time.Location, error) {
	if strings.TrimSpace(name) == "" {
		return time.Local, nil
	}
	return time.LoadLocation(strings.TrimSpace(name))
}

func funcStrftime(ch *Channel, args string) (string, error) {
	parts := SplitArgs(args)
	t := ch.engine.clock.Now()
	if e := strings.TrimSpace(arg(parts, 0)); e != "" {
		f, err := strconv.ParseFloat(e, 64)
		if err != nil {
			return "", fmt.Errorf("STRFTIME: bad epoch %q", e)
		}
		t = time.Unix(int64(f), int64((f-float64(int64(f)))*1e9))
	}
	loc, err := loadLocation(arg(parts, 1))
	if err != nil {
		return "", fmt.Errorf("STRFTIME: %w", err)
	}
	format := arg(parts, 2)
	if format == "" {
		format = "%c"
	}
	return Strftime(format, t.In(loc)), nil
}

func funcStrptime(_ *Channel, args string) (string, error) {
	parts := SplitArgs(args)
	if len(parts) < 3 {
		return "", errors.New("STRPTIME syntax is STRPTIME(datetime,timezone,format)")
	}
	loc, err := loadLocation(parts[1])
	if err != nil {
		return "", fmt.Errorf("STRPTIME: %w", err)
	}
	t, err := Strptime(parts[0], parts[2], loc)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(t.Unix(), 10), nil
}

func funcRand(_ *Channel, args string) (string, error) {
	parts := SplitArgs(args)
	lo, hi := 0, 2147483647
	if n, err := strconv.Atoi(strings.TrimSpace(arg(parts, 0))); err == nil {
		lo = n
	}
	if n, err := strconv.Atoi(strings.TrimSpace(arg(parts, 1))); err == nil {
		hi = n
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	return strconv.Itoa(lo + rand.IntN(hi-lo+1)), nil
}

// funcRegex is REGEX("regex" string): the expression is in double quotes,
// the string follows after optional blanks.
func funcRegex(_ *Channel, args string) (string, error) {
	s := strings.TrimLeft(args, " ")
	if !strings.HasPrefix(s, `"`) {
		return "", errors.New(`REGEX syntax is REGEX("regular expression" string)`)
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", errors.New("REGEX: missing closing quote")
	}
	re, err := regexp.CompilePOSIX(s[1 : 1+end])
	if err != nil {
		return "", fmt.Errorf("REGEX: %w", err)
	}
	subject := s[2+end:]
	subject = strings.TrimPrefix(subject, " ")
	return boolStr(re.MatchString(subject)), nil
}

// splitDBKey splits "family/key" at the first slash.
func splitDBKey(s string) (family, key string, err error) {
	family, key, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || family == "" || key == "" {
		return "", "", fmt.Errorf("DB requires an argument, DB(<family>/<key>), got %q", s)
	}
	return family, key, nil
}

func funcDBRead(ch *Channel, args string) (string, error) {
	f, k, err := splitDBKey(args)
	if err != nil {
		return "", err
	}
	v, _, err := ch.engine.db.Get(f, k)
	return v, err
}

func funcDBWrite(ch *Channel, args, value string) error {
	f, k, err := splitDBKey(args)
	if err != nil {
		return err
	}
	return ch.engine.db.Put(f, k, value)
}

func funcDBDelete(ch *Channel, args string) (string, error) {
	f, k, err := splitDBKey(args)
	if err != nil {
		return "", err
	}
	v, ok, err := ch.engine.db.Get(f, k)
	if err != nil || !ok {
		return "", err
	}
	_, err = ch.engine.db.Delete(f, k)
	return v, err
}

func funcDBExists(ch *Channel, args string) (string, error) {
	f, k, err := splitDBKey(args)
	if err != nil {
		return "", err
	}
	v, ok, err := ch.engine.db.Get(f, k)
	if err != nil {
		return "", err
	}
	ch.SetVar("DB_RESULT", v)
	return boolStr(ok), nil
}

func funcDBKeys(ch *Channel, args string) (string, error) {
	keys, err := ch.engine.db.Keys(strings.TrimSpace(args))
	return strings.Join(keys, ","), err
}

func funcSet(ch *Channel, args string) (string, error) {
	name, value, ok := strings.Cut(args, "=")
	if !ok {
		return "", errors.New("SET requires var=value")
	}
	return value, ch.SetVariable(strings.TrimSpace(name), value)
}

func funcTimeoutRead(ch *Channel, args string) (string, error) {
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }
	switch strings.ToLower(strings.TrimSpace(args)) {
	case "absolute", "a":
		if ch.absoluteDeadline.IsZero() {
			return "0", nil
		}
		return secs(ch.absoluteDeadline.Sub(ch.engine.clock.Now())), nil
	case "digit", "d":
		return secs(ch.DigitTimeout), nil
	case "response", "r":
		return secs(ch.ResponseTimeout), nil
	}
	return "", fmt.Errorf("unknown timeout type %q", args)
}

func funcTimeoutWrite(ch *Channel, args, value string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || f < 0 {
		return fmt.Errorf("TIMEOUT: %q is not a number of seconds", value)
	}
	d := time.Duration(f * float64(time.Second))
	switch strings.ToLower(strings.TrimSpace(args)) {
	case "absolute", "a":
		if d == 0 {
			ch.absoluteDeadline = time.Time{}
		} else {
			ch.absoluteDeadline = ch.engine.clock.Now().Add(d)
		}
	case "digit", "d":
		ch.DigitTimeout = d
	case "response", "r":
		ch.ResponseTimeout = d
	default:
		return fmt.Errorf("unknown timeout type %q", args)
	}
	return nil
}

func funcException(ch *Channel, args string) (string, error) {
	e := ch.exception
	if e == nil {
		return "", nil
	}
	switch strings.ToLower(strings.TrimSpace(args)) {
	case "reason":
		return e.reason, nil
	case "context":
		return e.context, nil
	case "exten":
		return e.exten, nil
	case "priority":
		return strconv.Itoa(e.priority), nil
	}
	return "", fmt.Errorf("unknown EXCEPTION field %q", args)
}

func funcValidExten(ch *Channel, args string) (string, error) {
	parts := SplitArgs(args)
	c, x := strings.TrimSpace(arg(parts, 0)), strings.TrimSpace(arg(parts, 1))
	if c == "" {
		c = ch.Context
	}
	p := 1
	if n, err := strconv.Atoi(strings.TrimSpace(arg(parts, 2))); err == nil {
		p = n
	}
	return boolStr(x != "" && ch.Exists(c, x, p)), nil
}

func funcDialplanExists(ch *Channel, args string) (string, error) {
	parts := SplitArgs(args)
	c := strings.TrimSpace(arg(parts, 0))
	if len(parts) < 2 {
		return boolStr(ch.engine.Dialplan().Context(c) != nil), nil
	}
	p := 1
	if n, err := strconv.Atoi(strings.TrimSpace(arg(parts, 2))); err == nil {
		p = n
	}
	return boolStr(ch.Exists(c, strings.TrimSpace(parts[1]), p)), nil
}
