package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ACLRule is one permit or deny line; rules are applied in order and the
// last that matches decides, as Asterisk's ast_apply_ha does.
type ACLRule struct {
	Pos    Pos
	Permit bool
	Net    netip.Prefix
}

// ACL is an ordered list of permit/deny rules; an empty ACL allows all.
type ACL []ACLRule

// Allows reports whether addr passes the ACL.
func (a ACL) Allows(addr netip.Addr) bool {
	allow := true
	for _, r := range a {
		if r.Net.Contains(addr.Unmap()) {
			allow = r.Permit
		}
	}
	return allow
}

// ParseNet reads `a.b.c.d`, `a.b.c.d/bits` or `a.b.c.d/m.m.m.m` (and IPv6
// forms) as Asterisk's ACLs and localnet= accept them.
func ParseNet(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	addrPart, maskPart, hasMask := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(addrPart)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address", addrPart)
	}
	bits := addr.BitLen()
	if hasMask {
		if n, err := strconv.Atoi(maskPart); err == nil {
			bits = n
		} else if m, err := netip.ParseAddr(maskPart); err == nil && m.Is4() && addr.Is4() {
			b := m.As4()
			v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			bits = 0
			for v&0x80000000 != 0 {
				bits++
				v <<= 1
			}
			if v != 0 {
				return netip.Prefix{}, fmt.Errorf("netmask %q is not contiguous", maskPart)
			}
		} else {
			return netip.Prefix{}, fmt.Errorf("%q is not a netmask", maskPart)
		}
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad prefix length in %q", s)
	}
	return p, nil
}

// ACL reads the section's permit= and deny= entries, in order, reporting
// bad networks as errors, and marks them read.
func (r *SectionReader) ACL() ACL {
	var acl ACL
	for _, e := range r.Section().Entries {
		permit := strings.EqualFold(e.Key, "permit")
		if !permit && !strings.EqualFold(e.Key, "deny") {
			continue
		}
		for _, v := range strings.Split(e.Value, ",") {
			n, err := ParseNet(v)
			if err != nil {
				r.Errorf(e.Pos, "%s: %v", e.Key, err)
				continue
			}
			acl = append(acl, ACLRule{Pos: e.Pos, Permit: permit, Net: n})
		}
	}
	r.Ignore("permit", "deny")
	return acl
}
