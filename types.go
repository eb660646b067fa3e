package acctmap

import (
	"time"

	"github.com/acctmap/acctmap/fieldtype"
)

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
	// FieldPresets are named field choices the org reuses across sharing
	// rules.
	FieldPresets []FieldPreset
	// Counts is the org's count policy: how its partners see the counts of
	// its populations shared at counts only (see CountPolicy). CountsFor
	// holds the policies for one partner each, by org id, which override
	// it.
	Counts    CountPolicy
	CountsFor map[string]CountPolicy
	// CountLedgers record what the org released to each partner, by org
	// id, in the current period of a noisy count policy; the Network keeps
	// them.
	CountLedgers map[string]CountLedger
	// CountKey is the org's secret: its noisy counts are drawn from it and
	// the ids of its CSV rows without an id column are keyed with it. It
	// is made when first needed and never shown to a partner.
	CountKey  []byte
	CreatedAt time.Time
}

// FieldPreset is a named choice of fields to share, reusable across
// sharing rules: a rule that names a preset shares the preset's fields as
// they are when data is read.
type FieldPreset struct {
	Name   string
	Fields []string
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
	// change nothing: it cannot export either, since an export spends the
	// org's quota and takes partner records out of the network.
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
	// ManageSharing allows changing sharing rules and private marks.
	ManageSharing
	// ExportRecords allows exporting reports as CSV, which takes partner
	// records out of the network and spends the org's export quota.
	ExportRecords

	// AllPermissions is every permission.
	AllPermissions = ManageDataSources | ManagePartnerships | ManageSharing | ExportRecords
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
// unordered pair of their ids, in any state, with the share requests
// between them. What one side sees of the other org is a Partner
// (Actor.Partners).
type Partnership struct {
	Inviter   string // org id of the side that sent the latest invite
	Invitee   string // org id of the side that received it
	Status    PartnershipStatus
	InvitedAt time.Time
	UpdatedAt time.Time
	// Requests are the share requests either side has made of the other.
	Requests []ShareRequest
}

// ShareRequestStatus is the state of a share request.
type ShareRequestStatus string

// Share request states.
const (
	RequestPending  ShareRequestStatus = "pending"
	RequestApproved ShareRequestStatus = "approved"
	RequestDeclined ShareRequestStatus = "declined"
)

// ShareRequest is a partner's request that a population's owner share it
// at a record level, with some fields. Approving it creates the rule.
type ShareRequest struct {
	ID           string
	From         string // the requesting org
	To           string // the org that owns the population
	PopulationID string
	Level        ShareLevel
	Fields       []string
	Message      string
	Status       ShareRequestStatus
	CreatedAt    time.Time
	DecidedAt    time.Time
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
	// Subject says what the records are: Accounts (companies) or People
	// (leads, contacts), chosen at creation; "" reads as Accounts.
	Subject Subject
	// Fields are the names of the record fields seen in the data source, in
	// first-seen order: filters may name these and the built-in fields.
	Fields []string
	// Version increases with every change to the records, their
	// population membership or their private marks.
	Version int64
	// NotSame are the pairs of records that users of this data source's
	// org marked as not the same company: they never match.
	NotSame []NotSameMark
	// PrivateTombstones are the ids of private records that were deleted
	// (by DeleteRecords, or by an import or a replace that left them out):
	// a record that comes back with one of these ids is private again, so
	// that deleting and re-adding a record cannot undo a private mark.
	// SetPrivate with private false clears them.
	PrivateTombstones []string
	// FieldTypes are the declared types of fields, by field name: filters
	// compare number, money, date and boolean fields as values (see
	// SetFieldTypes); fields without a type, or of kind Text, compare as
	// text. Nil when none is declared.
	FieldTypes map[string]fieldtype.Type
	// Locale is how the data source writes numbers and dates: the locale
	// of the FieldTypes whose own Locale is the zero Locale.
	Locale    fieldtype.Locale
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NotSameMark records that a record of one data source and a record of
// another are not the same company, whatever their keys say.
type NotSameMark struct {
	RecordID          string // in the data source that holds the mark
	OtherDataSourceID string
	OtherRecordID     string
	MarkedBy          string // user id
	MarkedAt          time.Time
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
// canonical keys computed once at ingest, and population membership. In a
// People data source a record is one person: Name is the person's name,
// Website the company's, Domains the person's company domain, and
// EmailKey the key (see people.go).
type Record struct {
	// ID is the record's id in its source (a CRM id), unique in the data source.
	ID      string
	Name    string
	Website string
	// Domains are the canonical registrable domains: the website's first,
	// then aliases. Empty when none is usable.
	Domains []string
	// NameKey is the canonical company-name key of Name.
	NameKey string
	// OtherNames are the company's other names (a legal name, a short
	// name, a DBA), and OtherNameKeys their keys: every name is evidence
	// for matching.
	OtherNames     []string
	OtherNameKeys  []string
	RegistrationID RegistrationID
	// Email is a person's e-mail address as given, and EmailKey its
	// normalized key (normalize.Normalizer.Email): the key of a record of
	// a people data source; empty for accounts.
	Email    string
	EmailKey string
	// Fields holds every other named value of the record.
	Fields map[string]string
	// Populations is the set of population slots (see Population.Slot) the
	// record belongs to, maintained by the Network.
	Populations uint64
	// Private records never appear in anything a partner sees, nor in a
	// partner's counts; the owner still sees its own matches on them. The
	// mark survives syncs and re-imports of the same record id.
	Private bool
}

// PopulationKind tells a standard population from a custom one.
type PopulationKind string

// Population kinds. Standard kinds exist at most once per org.
const (
	Customers         PopulationKind = "customers"
	Prospects         PopulationKind = "prospects"
	OpenOpportunities PopulationKind = "open_opportunities"
	Custom            PopulationKind = "custom"
	// The standard kinds of people populations (see Subject).
	Leads            PopulationKind = "leads"
	Contacts         PopulationKind = "contacts"
	CustomerContacts PopulationKind = "customer_contacts"
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
	case Leads, Contacts, CustomerContacts:
		return peopleKindName(k)
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
	Slot int
	// Sharing is what the owner reveals of this population to partners.
	Sharing   Sharing
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ShareLevel is how much of a population an org reveals to a partner.
type ShareLevel string

// Share levels, from least to most. Nothing is revealed before a
// partnership is accepted; after it, CountsOnly is the default.
const (
	// Hidden: the population's name and counts are not shown.
	Hidden ShareLevel = "hidden"
	// CountsOnly: the population's name and overlap counts are shown.
	CountsOnly ShareLevel = "counts"
	// OverlappingRecords: the chosen fields of the records that overlap
	// with the partner are shown.
	OverlappingRecords ShareLevel = "overlapping_records"
	// FullPopulation: the chosen fields of every record are shown.
	FullPopulation ShareLevel = "full_population"
)

// SharingRule is what an org reveals of one population to a partner.
type SharingRule struct {
	Level ShareLevel
	// Fields are the fields shared at OverlappingRecords and
	// FullPopulation: fields of the data source, or the built-in "name",
	// "website" and "id" — company name and website are shared only when
	// chosen, like any other field.
	Fields []string
	// Preset, when set, names one of the org's FieldPresets whose fields
	// are shared instead of Fields.
	Preset    string
	UpdatedAt time.Time
}

// ShareRule is the former name of SharingRule, kept so that code written
// against it compiles through the v0 series.
//
// Deprecated: use SharingRule.
type ShareRule = SharingRule

// Sharing holds a population's sharing rules: an org-wide default for
// every partner, and per-partner rules that override it.
type Sharing struct {
	// Default applies to every partner without a rule of its own; nil
	// means CountsOnly.
	Default *SharingRule
	// Partners maps a partner org id to its rule.
	Partners map[string]SharingRule
}
