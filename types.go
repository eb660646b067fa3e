package acctmap

import "time"

// Org is a company using the network: a tenant. An offline partner is an
// Org with no users whose data its owning org uploads; OfflineOf names that
// owner.
type Org struct {
	ID   string
	Name string
	// OfflineOf is the id of the org that created this offline partner, or
	// "" for an org on the network.
	OfflineOf string
	// Limits are the org's plan limits, set by the embedding app.
	Limits Limits
	// ExportedRecords counts the records the org has exported so far,
	// checked against Limits.MaxExportedRecords.
	ExportedRecords int64
	CreatedAt       time.Time
}

// Offline reports whether the org is an offline partner.
func (o Org) Offline() bool { return o.OfflineOf != "" }

// Limits are plan limits. A zero field means no limit.
type Limits struct {
	// MaxOfflinePartners caps the offline partners the org may create.
	MaxOfflinePartners int
	// MaxExportedRecords caps the records the org may export in total.
	MaxExportedRecords int64
}

// Role is a user's role in its org.
type Role string

// The roles of the product.
const (
	// RoleAdmin may do everything in its org, including managing users.
	RoleAdmin Role = "admin"
	// RolePartnerManager may do what its Permissions allow.
	RolePartnerManager Role = "partner_manager"
	// RoleReadOnly may read its org's data, matrices and reports, and
	// change nothing.
	RoleReadOnly Role = "read_only"
)

// Permission is a set of rights a partner manager can be given.
type Permission uint8

// The permissions a partner manager can hold; an admin holds all of them.
const (
	// ManageDataSources allows creating, importing into and deleting data
	// sources and populations.
	ManageDataSources Permission = 1 << iota
	// ManagePartnerships allows inviting, accepting, declining and revoking
	// partners, and managing offline partners.
	ManagePartnerships
	// ManageSharing allows changing sharing rules.
	ManageSharing

	// AllPermissions is every permission.
	AllPermissions = ManageDataSources | ManagePartnerships | ManageSharing
)

// Has reports whether p includes every permission in q.
func (p Permission) Has(q Permission) bool { return p&q == q }

// User is a person acting in an org.
type User struct {
	ID    string
	OrgID string
	Name  string
	Email string
	Role  Role
	// Permissions apply to RolePartnerManager; admins hold all of them and
	// read-only users none, whatever this field says.
	Permissions Permission
	CreatedAt   time.Time
}

// PartnershipStatus is the state of an invitation between two orgs.
type PartnershipStatus string

// The states a partnership goes through: Pending, then Accepted or Declined
// or Cancelled (by the inviter); an accepted one can be Revoked by either
// side. Any ended state can be followed by a new invite.
const (
	Pending   PartnershipStatus = "pending"
	Accepted  PartnershipStatus = "accepted"
	Declined  PartnershipStatus = "declined"
	Cancelled PartnershipStatus = "cancelled"
	Revoked   PartnershipStatus = "revoked"
)

// Partnership is the relation between two network orgs, identified by the
// unordered pair of their ids.
type Partnership struct {
	Inviter   string // org id of the side that sent the latest invite
	Invitee   string // org id of the side that received it
	Status    PartnershipStatus
	InvitedAt time.Time
	UpdatedAt time.Time
}

// Other returns the id of the org on the other side from orgID.
func (p Partnership) Other(orgID string) string {
	if p.Inviter == orgID {
		return p.Invitee
	}
	return p.Inviter
}

// DataSourceKind tells how a data source gets its records.
type DataSourceKind string

// Data source kinds.
const (
	// CSVSource is filled by CSV uploads.
	CSVSource DataSourceKind = "csv"
	// PushedSource is filled by records pushed by code, e.g. a CRM sync.
	PushedSource DataSourceKind = "pushed"
)

// DataSource is a named set of account records owned by one org.
type DataSource struct {
	ID    string
	OrgID string // the org the data belongs to (an offline partner's id for its data)
	Name  string
	Kind  DataSourceKind
	// Fields are the names of the record fields seen in the data source, in
	// first-seen order: filters may name these and the built-in fields.
	Fields []string
	// Version increases with every change to the records.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RegistrationID is a company registration number of a named scheme: "duns"
// (9 digits, leading zeros kept) or any other scheme as an opaque id.
type RegistrationID struct {
	Scheme string
	Value  string
}

// IsZero reports whether no registration id is set.
func (r RegistrationID) IsZero() bool { return r.Scheme == "" && r.Value == "" }

// Record is one account of a data source, as stored: the raw values, the
// canonical keys computed once at ingest, and population membership.
type Record struct {
	// ID is the record's id in its source (a CRM id), unique in the data source.
	ID      string
	Name    string
	Website string
	// Domains are the canonical registrable domains: the website's first,
	// then aliases. Empty when none is usable.
	Domains []string
	// NameKey is the canonical company-name key.
	NameKey        string
	RegistrationID RegistrationID
	// Fields holds every other named value of the record.
	Fields map[string]string
	// Populations is the set of population slots (see Population.Slot) the
	// record belongs to, maintained by the Network.
	Populations uint64
}

// PopulationKind tells a standard population from a custom one.
type PopulationKind string

// Population kinds. Standard kinds exist at most once per org.
const (
	Customers         PopulationKind = "customers"
	Prospects         PopulationKind = "prospects"
	OpenOpportunities PopulationKind = "open_opportunities"
	Custom            PopulationKind = "custom"
)

// StandardName returns the display name of a standard kind, or "" for Custom.
func (k PopulationKind) StandardName() string {
	switch k {
	case Customers:
		return "Customers"
	case Prospects:
		return "Prospects"
	case OpenOpportunities:
		return "Open Opportunities"
	}
	return ""
}

// MaxPopulationsPerDataSource is how many populations one data source can
// have: membership is a 64-bit set per record.
const MaxPopulationsPerDataSource = 64

// Population is a segment of one data source defined by a Filter.
type Population struct {
	ID           string
	OrgID        string // the data source's org
	DataSourceID string
	Kind         PopulationKind
	Name         string
	Description  string
	Filter       Filter
	// Slot is the population's bit in Record.Populations, unique among the
	// populations of its data source.
	Slot      int
	CreatedAt time.Time
	UpdatedAt time.Time
}
