package queues

import (
	"fmt"
	"strings"
)

// DeviceState is a member's device state, Asterisk's enum ast_device_state
// in its order (AST_DEVICE_UNKNOWN is 0). app_queue asks it of the member's
// state interface before ringing: a member is free when NOT_INUSE or
// UNKNOWN (member_status_available), and with ringinuse=no anything else
// keeps the phone from ringing.
type DeviceState int

// Device states.
const (
	DeviceUnknown DeviceState = iota
	DeviceNotInUse
	DeviceInUse
	DeviceBusy
	DeviceInvalid
	DeviceUnavailable
	DeviceRinging
	DeviceRingInUse
	DeviceOnHold
)

var deviceStateNames = [...]string{
	DeviceUnknown: "UNKNOWN", DeviceNotInUse: "NOT_INUSE", DeviceInUse: "INUSE", DeviceBusy: "BUSY",
	DeviceInvalid: "INVALID", DeviceUnavailable: "UNAVAILABLE", DeviceRinging: "RINGING",
	DeviceRingInUse: "RINGINUSE", DeviceOnHold: "ONHOLD",
}

// String returns Asterisk's name of the state (ast_devstate_str), e.g. "NOT_INUSE".
func (s DeviceState) String() string {
	if s >= 0 && int(s) < len(deviceStateNames) {
		return deviceStateNames[s]
	}
	return "UNKNOWN"
}

// ParseDeviceState reads a state name as DEVICE_STATE() prints it; the
// underscore may be left out ("NOTINUSE").
func ParseDeviceState(s string) (DeviceState, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for i, n := range deviceStateNames {
		if u == n || u == strings.ReplaceAll(n, "_", "") {
			return DeviceState(i), nil
		}
	}
	return DeviceUnknown, fmt.Errorf("unknown device state %q", s)
}

// available reports app_queue's member_status_available: a phone that may
// be rung whatever ringinuse says.
func (s DeviceState) available() bool { return s == DeviceNotInUse || s == DeviceUnknown }

// DeviceStates tells the queues what a member's phone is doing. The switch
// implements it from registrations (an unregistered phone is Unavailable)
// and calls (InUse, Ringing, OnHold…). The interface asked for is the
// member's state_interface, which defaults to its interface.
type DeviceStates interface {
	State(iface string) DeviceState
}

// DeviceStateFunc adapts a function to DeviceStates.
type DeviceStateFunc func(iface string) DeviceState

// State calls f.
func (f DeviceStateFunc) State(iface string) DeviceState { return f(iface) }
