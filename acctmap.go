// Package acctmap is an embeddable library for partner account mapping:
// companies find the accounts they share with their partners, see overlap
// counts for every pair of their segments (populations), and reveal
// record-level data only where the data's owner allows it.
//
// # Getting started
//
// The entry point is a Network over a Store: memstore (in memory, the
// embedded default), boltstore (one file) or pgstore (PostgreSQL). The
// embedding application provisions orgs and users on the Network and acts
// for one signed-in user through an Actor, which checks every call against
// that user's role and permissions:
//
//	net := acctmap.New(memstore.New())
//	net.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme"})
//	net.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin})
//	ann := net.As("ann") // per request, after the app's own authentication
//
// The Actor's calls, by what a user does:
//
//   - Partners: Invite, Accept, Decline, CancelInvite, Revoke, Partnerships,
//     PartnerUsers; partners that are not on the network: CreateOfflinePartner,
//     OfflinePartners, DeleteOfflinePartner.
//   - Data: CreateDataSource, DataSource, DataSources, DeleteDataSource,
//     SetFieldTypes (see Filters); CSV uploads with ImportCSV; CRM syncs with UpsertRecords, ReplaceRecords,
//     PushRecords (either, with progress reports) and DeleteRecords; Record;
//     SetPrivate keeps records out of everything a partner sees.
//   - Populations (segments of a data source, by filter): CreatePopulation,
//     UpdatePopulation, PreviewPopulation, Population, Populations,
//     DeletePopulation.
//   - Sharing, per population and partner: SetShareRule, RemoveShareRule,
//     field presets (SaveFieldPreset, FieldPresets, DeleteFieldPreset), share
//     requests (RequestShare, ShareRequests, ApproveShareRequest,
//     DeclineShareRequest), and SetCountPolicy / CountPolicyFor, a data
//     owner's defence of its counts against probing.
//   - Results: Matrix (the overlap counts for every population pair with one
//     partner), Ecosystem (with every partner), Report and ExportReport (the
//     accounts of one cell), PartnerRecords (a partner's shared records),
//     AccountMapping (which partners have each of my accounts),
//     PartnerPopulations; MarkNotSameCompany and UnmarkNotSameCompany correct
//     a match.
//   - Events and audit: Events and WaitEvents (the org's feed, from a
//     cursor), AuditLog (the org's audit trail, for admins).
//   - Threads with partners about one account: StartThread, Threads, Thread,
//     ThreadMessages, AssignThreadOwner, PostMessage, CloseThread,
//     ReopenThread. Attribution of deals to partners: SetOpportunityFields,
//     OpportunityFieldsOf, Attribute, Attributions, RemoveAttribution,
//     AttributionReport, ExportAttributionReport.
//   - The user itself: Me, Users.
//
// The Network's own calls are the application's, not a user's: CreateOrg,
// Org, SetLimits, DeleteOrg, AddUser, SetRole, RemoveUser, and As.
//
// # Filters
//
// A Filter selects records by conditions on their fields (Condition, Op):
// every condition of All, and one of each group of AnyOf. Fields compare
// as text, ignoring case, unless the data source declares their type
// (DataSource.FieldTypes and Locale; NewDataSource, CSVImport.FieldTypes,
// SetFieldTypes; csvsource.Sample.Types suggests them at the import
// preview): then equals, not_equals, in, not_in, greater_than and
// less_than compare values of package fieldtype — numbers, money, dates,
// booleans as the data source's locale writes them ("1.234,56",
// "$2,000", "12/31/2024", "31.12.2024") — and their operands are written
// the same way. An operand that does not parse under the field's type is a
// *FilterError naming the field and the value, wrapping ErrInvalidInput
// and the *fieldtype.ParseError; a stored value that does not parse (or is
// empty) never equals or compares, so equals, in, greater_than and
// less_than leave its record out and not_equals and not_in keep it.
// Imports and syncs warn about such values (ImportSummary.Warnings: line,
// column, value). contains, starts_with, is_empty and is_not_empty read the
// text as given, typed or not. Money compares only with money of the same
// currency: a money type without a Currency takes its locale's. Report
// filters and sorts (ReportSpec.Filter, Sort) read the viewer's own typed
// columns ("my.ARR") in its data source's types and partner columns as
// text (a partner's types are its own metadata); reports sort text by the
// root collation (golang.org/x/text/collate), not bytes.
//
// # What a partner sees
//
// Every read of another org's data, and everything computed from it (counts,
// match metadata, order, errors), goes through one visibility decision, and a
// partner's outputs depend only on what the owner's rules let it see
// (non-interference; see the README's privacy section). Nothing is shared
// before a partnership is accepted; then counts only, unless a ShareRule says
// more.
//
// # Errors
//
// Errors wrap at most one of the exported sentinels (ErrNotFound,
// ErrPermissionDenied, ErrNotPartners, ErrInvalidInput, ErrConflict,
// ErrLimitExceeded, ErrNotShared), to be checked with errors.Is. Bad input
// is named in the message with at most a bounded prefix of its value, and
// changes nothing. Typed forms carry the fields callers branch on: a bad
// filter is a *FilterError (condition path, field, operator, operand); a
// rejected CSV row's Rejection.Err is a *csvsource.Error (line, column).
//
// # For store authors
//
// Store, ReadTx, Tx and the optional OverlapTx (with KeyJoin and
// KeyJoinResult) are the driver contract: what a Store implements, not what
// an application calls. They live in this package, in store.go and
// pushdown.go, because they traffic in its value types (Org, Record,
// Population…), which a separate driver package could not name without an
// import cycle; Record.Populations and Population.Slot are the fields only a
// store reads. Package storetest is the conformance suite every Store must
// pass.
package acctmap
