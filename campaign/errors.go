package campaign

import "errors"

var (
	// ErrNoCampaign is returned for a campaign name that does not exist.
	ErrNoCampaign = errors.New("no such campaign")
	// ErrExists is returned when a campaign is created with a name in use.
	ErrExists = errors.New("campaign already exists")
	// ErrBadCampaign is returned for a campaign whose settings are invalid.
	ErrBadCampaign = errors.New("invalid campaign")
	// ErrBadState is returned for a state change the campaign's state
	// does not allow (starting a stopped campaign).
	ErrBadState = errors.New("campaign state does not allow this")
	// ErrBadNumber is returned for a phone number that cannot be dialled.
	ErrBadNumber = errors.New("invalid phone number")
	// ErrDuplicate is returned for a customer whose number or id is
	// already in the campaign.
	ErrDuplicate = errors.New("duplicate customer")
	// ErrBadRow is returned for a customer row missing a field or with a
	// bad value.
	ErrBadRow = errors.New("invalid customer")
)
