package storetest

import (
	"fmt"
	"time"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/fieldtype"
)

// t0 is the suite's base time: UTC, with microseconds, so that a store
// that keeps microseconds round-trips it.
var t0 = time.Date(2024, time.March, 14, 15, 9, 26, 535897000, time.UTC)

// at returns t0 plus h hours.
func at(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

// The standard network that Seed writes. acme owns an offline partner
// that owns one in turn; every org but initech has data; the three network
// orgs are partners of each other, acme on both sides of an invitation.
var (
	seedOrgs = []acctmap.Org{
		{ID: "acme", Name: "Acme Corp", Limits: acctmap.Limits{MaxOfflinePartners: 5, MaxExportedRecords: 1000}, ExportedRecords: 12,
			FieldPresets: []acctmap.FieldPreset{{Name: "basics", Fields: []string{"name", "website"}}, {Name: "sales", Fields: []string{"owner"}}},
			CreatedAt:    at(0)},
		{ID: "globex", Name: "Globex", Counts: acctmap.CountPolicy{MinCellSize: 5},
			CountsFor:    map[string]acctmap.CountPolicy{"acme": {MinCellSize: 3, Epsilon: 0.5, Budget: 10, Period: 720 * time.Hour}, "a\x00b": {MinCellSize: 2}},
			CountLedgers: map[string]acctmap.CountLedger{"acme": {PeriodStart: at(6), Spent: 1.5, Released: []string{"00ff", "a1b2"}}},
			CountKey:     []byte{0, 1, 2, 0xff, 0x80},
			CreatedAt:    at(1)},
		{ID: "initech", Name: "Initech", Limits: acctmap.Limits{MaxExportedRecords: 1 << 40}, CreatedAt: at(2)},
		{ID: "acme-off1", Name: "Acme's reseller", OfflineOf: "acme", CreatedAt: at(3)},
		{ID: "acme-off1-sub", Name: "Reseller's reseller", OfflineOf: "acme-off1", CreatedAt: at(4)},
		{ID: "globex-off", Name: "Globex's distributor", OfflineOf: "globex", CreatedAt: at(5)},
	}
	seedUsers = []acctmap.User{
		{ID: "u-alice", OrgID: "acme", Name: "Alice", Email: "alice@acme.test", Role: acctmap.RoleAdmin, Permissions: acctmap.AllPermissions, CreatedAt: at(10)},
		{ID: "u-bob", OrgID: "acme", Name: "Bob", Email: "bob@acme.test", Role: acctmap.RolePartnerManager, Permissions: acctmap.ManageSharing | acctmap.ManageDataSources, CreatedAt: at(11)},
		{ID: "u-carol", OrgID: "globex", Name: "Carol", Email: "carol@globex.test", Role: acctmap.RoleReadOnly, CreatedAt: at(12)},
		{ID: "u-dave", OrgID: "initech", Name: "Dave", Email: "dave@initech.test", Role: acctmap.RoleAdmin, Permissions: acctmap.AllPermissions, CreatedAt: at(13)},
	}
	seedPartnerships = []acctmap.Partnership{
		{Inviter: "acme", Invitee: "globex", Status: acctmap.Accepted, InvitedAt: at(20), UpdatedAt: at(21), Requests: []acctmap.ShareRequest{
			{ID: "req-1", From: "globex", To: "acme", PopulationID: "pop-acme-customers", Level: acctmap.OverlappingRecords,
				Fields: []string{"name", "owner"}, Message: "for co-selling", Status: acctmap.RequestPending, CreatedAt: at(25)},
			{ID: "req-2", From: "acme", To: "globex", PopulationID: "pop-globex-customers", Level: acctmap.FullPopulation,
				Fields: []string{"website"}, Status: acctmap.RequestApproved, CreatedAt: at(26), DecidedAt: at(27)},
		}},
		{Inviter: "initech", Invitee: "acme", Status: acctmap.Pending, InvitedAt: at(22), UpdatedAt: at(22)},
		{Inviter: "globex", Invitee: "initech", Status: acctmap.Declined, InvitedAt: at(23), UpdatedAt: at(24)},
	}
	seedDataSources = []acctmap.DataSource{
		{ID: "ds-acme-crm", OrgID: "acme", Name: "Salesforce", Kind: acctmap.PushedSource, Fields: []string{"owner", "stage"}, Version: 3,
			NotSame:           []acctmap.NotSameMark{{RecordID: "r1", OtherDataSourceID: "ds-globex", OtherRecordID: "r1", MarkedBy: "u-alice", MarkedAt: at(38)}},
			PrivateTombstones: []string{"gone\x00private", "r9"},
			FieldTypes:        seedFieldTypes, Locale: fieldtype.US,
			CreatedAt: at(30), UpdatedAt: at(31)},
		{ID: "ds-acme-csv", OrgID: "acme", Name: "Trade show leads", Kind: acctmap.CSVSource, Fields: []string{"event"}, Version: 1, CreatedAt: at(32), UpdatedAt: at(32)},
		{ID: "ds-globex", OrgID: "globex", Name: "HubSpot", Kind: acctmap.PushedSource, Fields: []string{"stage"}, Version: 7, CreatedAt: at(33), UpdatedAt: at(34)},
		{ID: "ds-off1", OrgID: "acme-off1", Name: "Reseller upload", Kind: acctmap.CSVSource, CreatedAt: at(35), UpdatedAt: at(35)},
		{ID: "ds-sub", OrgID: "acme-off1-sub", Name: "Sub-reseller upload", Kind: acctmap.CSVSource, CreatedAt: at(36), UpdatedAt: at(36)},
		{ID: "ds-globex-off", OrgID: "globex-off", Name: "Distributor upload", Kind: acctmap.CSVSource, CreatedAt: at(37), UpdatedAt: at(37)},
	}
	seedPopulations = []acctmap.Population{
		{ID: "pop-acme-customers", OrgID: "acme", DataSourceID: "ds-acme-crm", Kind: acctmap.Customers, Name: "Customers", Slot: 0,
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "stage", Op: acctmap.Equals, Value: "Closed Won"}}},
			Sharing: acctmap.Sharing{
				Default: &acctmap.SharingRule{Level: acctmap.CountsOnly, UpdatedAt: at(48)},
				Partners: map[string]acctmap.SharingRule{
					"globex":  {Level: acctmap.OverlappingRecords, Fields: []string{"name", "owner"}, UpdatedAt: at(49)},
					"initech": {Level: acctmap.FullPopulation, Preset: "basics", UpdatedAt: at(50)},
				},
			},
			CreatedAt: at(40), UpdatedAt: at(40)},
		{ID: "pop-acme-prospects", OrgID: "acme", DataSourceID: "ds-acme-crm", Kind: acctmap.Prospects, Name: "Prospects", Description: "Open pipeline", Slot: 1,
			Filter: acctmap.Filter{
				All:   []acctmap.Condition{{Field: "stage", Op: acctmap.NotIn, Values: []string{"Closed Won", "Closed Lost"}}},
				AnyOf: [][]acctmap.Condition{{{Field: "owner", Op: acctmap.IsNotEmpty}, {Field: "website", Op: acctmap.Contains, Value: ".com"}}},
			},
			CreatedAt: at(41), UpdatedAt: at(42)},
		{ID: "pop-acme-leads", OrgID: "acme", DataSourceID: "ds-acme-csv", Kind: acctmap.Custom, Name: "Leads", Slot: 63, CreatedAt: at(43), UpdatedAt: at(43)},
		{ID: "pop-globex-customers", OrgID: "globex", DataSourceID: "ds-globex", Kind: acctmap.Customers, Name: "Customers", Slot: 0, CreatedAt: at(44), UpdatedAt: at(44)},
		{ID: "pop-off1", OrgID: "acme-off1", DataSourceID: "ds-off1", Kind: acctmap.Customers, Name: "Customers", Slot: 0, CreatedAt: at(45), UpdatedAt: at(45)},
		{ID: "pop-sub", OrgID: "acme-off1-sub", DataSourceID: "ds-sub", Kind: acctmap.Prospects, Name: "Prospects", Slot: 5, CreatedAt: at(46), UpdatedAt: at(46)},
		{ID: "pop-globex-off", OrgID: "globex-off", DataSourceID: "ds-globex-off", Kind: acctmap.Customers, Name: "Customers", Slot: 0, CreatedAt: at(47), UpdatedAt: at(47)},
	}
	// seedMembers are the SetMembers calls of Seed: data source, slot, ids.
	seedMembers = []struct {
		ds   string
		slot int
		ids  []string
	}{
		{"ds-acme-crm", 0, []string{"r1", "r3", "r5"}},
		{"ds-acme-crm", 1, []string{"r2", "r3"}},
		{"ds-acme-csv", 63, []string{"r1", "r2"}},
		{"ds-globex", 0, []string{"r2", "r4"}},
		{"ds-off1", 0, []string{"r1"}},
		{"ds-sub", 5, []string{"r1", "r2", "r3"}},
		{"ds-globex-off", 0, []string{"r3"}},
	}
)

// seedRecordCount is how many records Seed puts in each data source.
const seedRecordCount = 6

// record returns record i of a data source: every field set, some of them
// empty in some records.
func record(ds string, i int) acctmap.Record {
	r := acctmap.Record{
		ID:      fmt.Sprintf("r%d", i),
		Name:    fmt.Sprintf("Company %d (%s)", i, ds),
		Website: fmt.Sprintf("https://www.company%d.example", i),
		Domains: []string{fmt.Sprintf("company%d.example", i)},
		NameKey: fmt.Sprintf("company %d", i),
		Fields:  map[string]string{"owner": "owner" + fmt.Sprint(i%3), "stage": []string{"Closed Won", "Discovery", "Closed Lost"}[i%3]},
	}
	r.Private = i%4 == 2
	if i%2 == 0 {
		r.OtherNames = []string{fmt.Sprintf("Company %d Holdings", i), "C\x00" + fmt.Sprint(i)}
		r.OtherNameKeys = []string{fmt.Sprintf("company %d holdings", i)}
		r.Email, r.EmailKey = fmt.Sprintf("Ann.%d@Company%d.example", i, i), fmt.Sprintf("ann.%d@company%d.example", i, i)
	}
	switch i % 3 {
	case 0:
		r.RegistrationID = acctmap.RegistrationID{Scheme: "duns", Value: fmt.Sprintf("%09d", i)}
		r.Domains = append(r.Domains, fmt.Sprintf("company%d-alias.example", i))
	case 1:
		r.Website, r.Domains, r.Fields = "", nil, nil
	}
	return r
}

// seedRecords returns the records Seed puts in a data source before its
// SetMembers calls. ds-acme-csv's start with bits set, bit 63 included, to
// check that PutRecords stores Populations as given.
func seedRecords(ds string) []acctmap.Record {
	recs := make([]acctmap.Record, seedRecordCount)
	for i := range recs {
		recs[i] = record(ds, i+1)
		if ds == "ds-acme-csv" {
			recs[i].Populations = 1<<63 | 1<<uint(i)
		}
	}
	return recs
}

// Seed writes the suite's standard network into an empty store: six orgs
// (two offline partners owned by acme, one by the other, and one by
// globex), four users, three partnerships, six data sources of six records
// each, seven populations and their members.
func Seed(tx acctmap.Tx) error {
	for _, o := range seedOrgs {
		if err := tx.PutOrg(o); err != nil {
			return fmt.Errorf("PutOrg(%q): %w", o.ID, err)
		}
	}
	for _, u := range seedUsers {
		if err := tx.PutUser(u); err != nil {
			return fmt.Errorf("PutUser(%q): %w", u.ID, err)
		}
	}
	for _, p := range seedPartnerships {
		if err := tx.PutPartnership(p); err != nil {
			return fmt.Errorf("PutPartnership(%q, %q): %w", p.Inviter, p.Invitee, err)
		}
	}
	for _, d := range seedDataSources {
		if err := tx.PutDataSource(d); err != nil {
			return fmt.Errorf("PutDataSource(%q): %w", d.ID, err)
		}
		if err := tx.PutRecords(d.ID, seedRecords(d.ID)); err != nil {
			return fmt.Errorf("PutRecords(%q): %w", d.ID, err)
		}
	}
	for _, p := range seedPopulations {
		if err := tx.PutPopulation(p); err != nil {
			return fmt.Errorf("PutPopulation(%q): %w", p.ID, err)
		}
	}
	for _, m := range seedMembers {
		if err := tx.SetMembers(m.ds, m.slot, m.ids); err != nil {
			return fmt.Errorf("SetMembers(%q, %d): %w", m.ds, m.slot, err)
		}
	}
	return nil
}

// Scribble changes a store written by Seed through every write method of
// Tx, with cascades, replacements and reads of its own writes in between.
// It returns the first error. The fault-injection and atomicity tests run
// it in an Update that fails, and expect the store not to change.
func Scribble(tx acctmap.Tx) error {
	steps := []struct {
		what string
		do   func() error
	}{
		{"PutOrg new", func() error {
			return tx.PutOrg(acctmap.Org{ID: "newco", Name: "NewCo", CreatedAt: at(100)})
		}},
		{"PutOrg replace", func() error {
			o, err := tx.Org("globex")
			if err != nil {
				return err
			}
			o.Name, o.ExportedRecords = "Globex 2", o.ExportedRecords+10
			return tx.PutOrg(o)
		}},
		{"PutOrg move offline partner", func() error {
			o, err := tx.Org("globex-off")
			if err != nil {
				return err
			}
			o.OfflineOf = "initech"
			return tx.PutOrg(o)
		}},
		{"PutUser new", func() error {
			return tx.PutUser(acctmap.User{ID: "u-erin", OrgID: "newco", Name: "Erin", Role: acctmap.RoleAdmin, CreatedAt: at(101)})
		}},
		{"PutUser move", func() error {
			return tx.PutUser(acctmap.User{ID: "u-bob", OrgID: "globex", Name: "Bob", Role: acctmap.RoleReadOnly, CreatedAt: at(102)})
		}},
		{"DeleteUser", func() error { return tx.DeleteUser("u-carol") }},
		{"PutPartnership new", func() error {
			return tx.PutPartnership(acctmap.Partnership{Inviter: "newco", Invitee: "globex", Status: acctmap.Pending, InvitedAt: at(103), UpdatedAt: at(103)})
		}},
		{"PutPartnership reverse", func() error {
			return tx.PutPartnership(acctmap.Partnership{Inviter: "globex", Invitee: "acme", Status: acctmap.Revoked, InvitedAt: at(104), UpdatedAt: at(105)})
		}},
		{"DeletePartnership", func() error { return tx.DeletePartnership("initech", "globex") }},
		{"PutDataSource new", func() error {
			return tx.PutDataSource(acctmap.DataSource{ID: "ds-newco", OrgID: "newco", Name: "New", Kind: acctmap.CSVSource, CreatedAt: at(106)})
		}},
		{"PutDataSource replace", func() error {
			d, err := tx.DataSource("ds-globex")
			if err != nil {
				return err
			}
			d.Version++
			d.Fields = append([]string{"region"}, d.Fields...)
			return tx.PutDataSource(d)
		}},
		{"PutRecords new data source", func() error { return tx.PutRecords("ds-newco", seedRecords("ds-newco")) }},
		{"PutRecords upsert", func() error {
			r := record("ds-globex", 2)
			r.Name = "Renamed"
			return tx.PutRecords("ds-globex", []acctmap.Record{r, record("ds-globex", 40), record("ds-globex", 41)})
		}},
		{"DeleteRecords", func() error { return tx.DeleteRecords("ds-acme-crm", []string{"r1", "r6", "nope"}) }},
		{"ReplaceRecords", func() error {
			return tx.ReplaceRecords("ds-acme-csv", []acctmap.Record{record("ds-acme-csv", 7), record("ds-acme-csv", 1)})
		}},
		{"SetMembers", func() error { return tx.SetMembers("ds-globex", 0, []string{"r1", "r40"}) }},
		{"SetMembers new slot", func() error { return tx.SetMembers("ds-globex", 9, []string{"r3"}) }},
		{"PutPopulation new", func() error {
			return tx.PutPopulation(acctmap.Population{ID: "pop-globex-new", OrgID: "globex", DataSourceID: "ds-globex", Kind: acctmap.Custom, Name: "New", Slot: 9, CreatedAt: at(107)})
		}},
		{"PutPopulation replace", func() error {
			p, err := tx.Population("pop-acme-prospects")
			if err != nil {
				return err
			}
			p.Filter = acctmap.Filter{All: []acctmap.Condition{{Field: "owner", Op: acctmap.Equals, Value: "owner2"}}}
			return tx.PutPopulation(p)
		}},
		{"DeletePopulation", func() error { return tx.DeletePopulation("pop-acme-customers") }},
		{"DeleteDataSource", func() error { return tx.DeleteDataSource("ds-off1") }},
		{"DeleteOrg", func() error { return tx.DeleteOrg("acme") }},
		{"PutOrg recreate", func() error { return tx.PutOrg(acctmap.Org{ID: "acme", Name: "Acme reborn", CreatedAt: at(108)}) }},
		{"PutDataSource recreate", func() error {
			return tx.PutDataSource(acctmap.DataSource{ID: "ds-acme-crm", OrgID: "acme", Name: "Again", CreatedAt: at(109)})
		}},
		{"PutRecords after recreate", func() error {
			return tx.PutRecords("ds-acme-crm", []acctmap.Record{record("ds-acme-crm", 99)})
		}},
		{"DeleteRecords all", func() error { return tx.DeleteRecords("ds-globex-off", []string{"r1", "r2", "r3", "r4", "r5", "r6"}) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("Scribble: %s: %w", s.what, err)
		}
	}
	return nil
}
