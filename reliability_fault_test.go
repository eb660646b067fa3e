package acctmap_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/storetest"
)

// TestFaultEveryCall runs a whole workflow — orgs, users, a partnership,
// CSV imports, syncs, populations, sharing rules, a share request, private
// marks, reports and exports, offline partners, revocation, deletions —
// through a storetest.FaultStore. For every API call of the workflow and
// every N from 1 to the number of store calls it makes (View, Update, each
// Tx method, each commit), the call is made with a fault at its N-th store
// call, twice: once failing with an injected error, once cancelling the
// transaction's context. Each time:
//
//   - the API call returns an error wrapping the injected one (or
//     context.Canceled): no fault is swallowed or turned into another error;
//   - the store's whole state (storetest.Dump) equals the state before;
//   - an export writes nothing;
//
// then the call is made without a fault, and must succeed. Read calls are
// made both with the workflow's Network (warm index caches, which faulted
// writes must not have advanced) and with a fresh Network (cold caches, so
// that faults hit the index builds); their results must equal the fresh
// Network's unfaulted result.
//
// On pgstore, where a dump takes some 70 queries, the two kinds of fault
// alternate (N odd: error; N even: cancel) to keep the test within CI's
// budget; ACCTMAP_TEST_FAULTS_FULL=1 makes it inject both at every N.
func TestFaultEveryCall(t *testing.T) {
	for _, ts := range testStores {
		t.Run(ts.name, func(t *testing.T) {
			t.Parallel()
			runFaultFlow(t, ts.open(t), ts.name == "memstore" || os.Getenv("ACCTMAP_TEST_FAULTS_FULL") != "")
		})
	}
}

// faultFlow is the state the workflow's steps share.
type faultFlow struct {
	fs  *storetest.FaultStore
	net *acctmap.Network
	// ids made by the steps
	acmeCSV, boltCRM, offlineDS           acctmap.DataSource
	acmeCustomers, acmeProspects          acctmap.Population
	boltCustomers, boltTargets, offCustom acctmap.Population
	request, request2                     acctmap.ShareRequest
	offOrg                                acctmap.Org
	export                                bytes.Buffer
}

// faultStep is one API call of the workflow.
type faultStep struct {
	name string
	// read calls change nothing; they run on a fresh Network as well.
	read bool
	run  func(ctx context.Context, f *faultFlow, net *acctmap.Network) (any, error)
}

const acmeCSV = "Account ID,Company,Website,Stage,Owner\n" +
	"a1,Globex,globex.com,Customer,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"\n" +
	"a2,Initech,initech.com,Prospect,Kim\n" +
	"a3,Umbrella,umbrella.com,Customer,Lou\n" +
	"a4,Hooli,https://www.hooli.com/about,Customer,@Kim\n" +
	"a5,Stark,stark.com,Prospect,-Lou\n" +
	"a6,,n/a,Prospect,Kim\n" +
	"a7,Wayne,wayne.com,Customer,+1\n" +
	"a2,Initech Corp,initech.com,Prospect,Kim\n"

var acmeMapping = csvsource.Mapping{Name: "Company", Website: "Website", ID: "Account ID"}

func boltRecords(stage func(i int) string) []acctmap.RecordInput {
	sites := []string{"globex.com", "initech.com", "umbrella.com", "hooli.com", "wayne.com", "cyberdyne.com"}
	var in []acctmap.RecordInput
	for i, s := range sites {
		in = append(in, acctmap.RecordInput{ID: fmt.Sprintf("b%d", i+1), Name: strings.TrimSuffix(s, ".com"), Website: s,
			Fields: map[string]string{"Stage": stage(i), "Rep": fmt.Sprintf("rep%d", i%2)}})
	}
	return in
}

func stageOf(i int) string { return []string{"Customer", "Prospect", "Customer"}[i%3] }

// faultSteps is the workflow, in order.
var faultSteps = []faultStep{
	{name: "CreateOrg acme", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.CreateOrg(ctx, acctmap.Org{ID: "acme", Name: "Acme"})
	}},
	{name: "CreateOrg bolt", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.CreateOrg(ctx, acctmap.Org{ID: "bolt", Name: "Bolt"})
	}},
	{name: "AddUser ann", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.AddUser(ctx, acctmap.User{ID: "ann", OrgID: "acme", Name: "Ann", Role: acctmap.RoleAdmin})
	}},
	{name: "AddUser bob", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.AddUser(ctx, acctmap.User{ID: "bob", OrgID: "bolt", Name: "Bob", Role: acctmap.RoleAdmin})
	}},
	{name: "AddUser pat", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.AddUser(ctx, acctmap.User{ID: "pat", OrgID: "acme", Name: "Pat", Role: acctmap.RoleReadOnly})
	}},
	{name: "SetLimits", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.SetLimits(ctx, "acme", acctmap.Limits{MaxOfflinePartners: 3, MaxExportedRecords: 1000})
	}},
	{name: "SetRole", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.SetRole(ctx, "pat", acctmap.RolePartnerManager, acctmap.ManageSharing)
	}},
	{name: "Invite", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").Invite(ctx, "bolt")
	}},
	{name: "Accept", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").Accept(ctx, "acme")
	}},
	{name: "CreateDataSource acme", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.acmeCSV)(n.As("ann").CreateDataSource(ctx, acctmap.NewDataSource{Name: "Upload"}))
	}},
	{name: "ImportCSV", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").ImportCSV(ctx, f.acmeCSV.ID, strings.NewReader(acmeCSV), acctmap.CSVImport{Mapping: acmeMapping, FileName: "acme.csv"})
	}},
	{name: "CreateDataSource bolt", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.boltCRM)(n.As("bob").CreateDataSource(ctx, acctmap.NewDataSource{Name: "CRM", Kind: acctmap.PushedSource}))
	}},
	{name: "UpsertRecords", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").UpsertRecords(ctx, f.boltCRM.ID, boltRecords(stageOf))
	}},
	{name: "CreatePopulation acme customers", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.acmeCustomers)(n.As("ann").CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: f.acmeCSV.ID, Kind: acctmap.Customers,
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: "customer"}}}}))
	}},
	{name: "CreatePopulation acme prospects", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.acmeProspects)(n.As("ann").CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: f.acmeCSV.ID, Kind: acctmap.Prospects,
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.NotEquals, Value: "customer"}}}}))
	}},
	{name: "CreatePopulation bolt customers", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.boltCustomers)(n.As("bob").CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: f.boltCRM.ID, Kind: acctmap.Customers,
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Stage", Op: acctmap.Equals, Value: "Customer"}}}}))
	}},
	{name: "CreatePopulation bolt custom", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.boltTargets)(n.As("bob").CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: f.boltCRM.ID, Kind: acctmap.Custom, Name: "Targets",
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Rep", Op: acctmap.In, Values: []string{"rep0", "rep1"}}}}}))
	}},
	{name: "UpsertRecords sync", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").UpsertRecords(ctx, f.boltCRM.ID, boltRecords(func(i int) string { return stageOf(i + 1) })[:4])
	}},
	{name: "UpdatePopulation", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.boltTargets)(n.As("bob").UpdatePopulation(ctx, f.boltTargets.ID, acctmap.PopulationSpec{Name: "Targets", Description: "rep0 only",
			Filter: acctmap.Filter{All: []acctmap.Condition{{Field: "Rep", Op: acctmap.Equals, Value: "rep0"}}}}))
	}},
	{name: "SaveFieldPreset", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("bob").SaveFieldPreset(ctx, "basics", []string{"name", "website", "Rep"})
	}},
	{name: "SetShareRule partner", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("bob").SetShareRule(ctx, f.boltCustomers.ID, "acme", acctmap.ShareRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "Rep", "id"}})
	}},
	{name: "SetShareRule default", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("bob").SetShareRule(ctx, f.boltTargets.ID, "", acctmap.ShareRule{Level: acctmap.FullPopulation, Preset: "basics"})
	}},
	{name: "SetShareRule acme", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("pat").SetShareRule(ctx, f.acmeProspects.ID, "bolt", acctmap.ShareRule{Level: acctmap.FullPopulation, Fields: []string{"name", "Owner"}})
	}},
	{name: "RequestShare", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.request)(n.As("bob").RequestShare(ctx, "acme", f.acmeCustomers.ID, acctmap.OverlappingRecords, []string{"name", "Owner"}, "co-sell"))
	}},
	{name: "ApproveShareRequest", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").ApproveShareRequest(ctx, "bolt", f.request.ID)
	}},
	{name: "RequestShare 2", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.request2)(n.As("ann").RequestShare(ctx, "bolt", f.boltCustomers.ID, acctmap.FullPopulation, []string{"website"}, ""))
	}},
	{name: "DeclineShareRequest", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").DeclineShareRequest(ctx, "acme", f.request2.ID)
	}},
	{name: "SetPrivate", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").SetPrivate(ctx, f.boltCRM.ID, []string{"b3", "b6"}, true)
	}},
	{name: "MarkNotSameCompany", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("ann").MarkNotSameCompany(ctx, f.acmeCSV.ID, "a2", f.boltCRM.ID, "b2")
	}},
	{name: "Matrix", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").Matrix(ctx, "bolt")
	}},
	{name: "Matrix other side", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").Matrix(ctx, "acme")
	}},
	{name: "Ecosystem", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").Ecosystem(ctx)
	}},
	{name: "PartnerPopulations", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").PartnerPopulations(ctx, "bolt")
	}},
	{name: "PartnerUsers", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").PartnerUsers(ctx, "bolt")
	}},
	{name: "Report", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").Report(ctx, acctmap.ReportSpec{Partner: "bolt", Population: f.acmeCustomers.ID, PartnerPopulation: f.boltCustomers.ID})
	}},
	{name: "Report other side", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").Report(ctx, acctmap.ReportSpec{Partner: "acme", Population: f.boltCustomers.ID, PartnerPopulation: f.acmeCustomers.ID,
			Sort: []acctmap.SortKey{{Column: "partner.name", Desc: true}}})
	}},
	{name: "PartnerRecords", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").PartnerRecords(ctx, acctmap.ReportSpec{Partner: "bolt", PartnerPopulation: f.boltTargets.ID})
	}},
	{name: "AccountMapping", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").AccountMapping(ctx, f.acmeCustomers.ID)
	}},
	{name: "PreviewPopulation", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").PreviewPopulation(ctx, f.acmeCSV.ID, acctmap.Filter{All: []acctmap.Condition{{Field: "Owner", Op: acctmap.IsNotEmpty}}}, 3)
	}},
	{name: "ShareRequests", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").ShareRequests(ctx, "bolt")
	}},
	{name: "ExportReport", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		f.export.Reset()
		return n.As("bob").ExportReport(ctx, acctmap.ReportSpec{Partner: "acme", Population: f.boltTargets.ID, PartnerPopulation: f.acmeCustomers.ID}, &f.export)
	}},
	{name: "CreateOfflinePartner", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.offOrg)(n.As("ann").CreateOfflinePartner(ctx, "Reseller"))
	}},
	{name: "CreateDataSource offline", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.offlineDS)(n.As("ann").CreateDataSource(ctx, acctmap.NewDataSource{OrgID: f.offOrg.ID, Name: "Reseller upload"}))
	}},
	{name: "ImportCSV offline", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").ImportCSV(ctx, f.offlineDS.ID, strings.NewReader("Company,Website\nGlobex,globex.com\nHooli,hooli.com\n"),
			acctmap.CSVImport{Mapping: nameWebsite})
	}},
	{name: "CreatePopulation offline", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return keep(&f.offCustom)(n.As("ann").CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: f.offlineDS.ID, Kind: acctmap.Customers}))
	}},
	{name: "Matrix offline", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").Matrix(ctx, f.offOrg.ID)
	}},
	{name: "ImportCSV again", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").ImportCSV(ctx, f.acmeCSV.ID, strings.NewReader(strings.Replace(acmeCSV, "Prospect", "Customer", 1)),
			acctmap.CSVImport{Mapping: acmeMapping, FileName: "acme.csv"})
	}},
	{name: "ReplaceRecords", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").ReplaceRecords(ctx, f.boltCRM.ID, boltRecords(stageOf)[1:])
	}},
	{name: "DeleteRecords", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").DeleteRecords(ctx, f.boltCRM.ID, []string{"b2", "nope"})
	}},
	{name: "Report after sync", read: true, run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("ann").Report(ctx, acctmap.ReportSpec{Partner: "bolt", Population: f.acmeCustomers.ID, PartnerPopulation: f.boltCustomers.ID})
	}},
	{name: "UnmarkNotSameCompany", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("bob").UnmarkNotSameCompany(ctx, f.boltCRM.ID, "b2", f.acmeCSV.ID, "a2")
	}},
	{name: "RemoveShareRule", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("bob").RemoveShareRule(ctx, f.boltCustomers.ID, "acme")
	}},
	{name: "Revoke", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").Revoke(ctx, "acme")
	}},
	{name: "Invite again", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").Invite(ctx, "acme")
	}},
	{name: "CancelInvite", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return n.As("bob").CancelInvite(ctx, "acme")
	}},
	{name: "RemoveShareRule default", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("bob").RemoveShareRule(ctx, f.boltTargets.ID, "") // the preset is in use until then
	}},
	{name: "DeleteFieldPreset", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("bob").DeleteFieldPreset(ctx, "basics")
	}},
	{name: "DeletePopulation", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("ann").DeletePopulation(ctx, f.acmeProspects.ID)
	}},
	{name: "DeleteOfflinePartner", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("ann").DeleteOfflinePartner(ctx, f.offOrg.ID)
	}},
	{name: "DeleteDataSource", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.As("bob").DeleteDataSource(ctx, f.boltCRM.ID)
	}},
	{name: "RemoveUser", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.RemoveUser(ctx, "pat")
	}},
	{name: "DeleteOrg", run: func(ctx context.Context, f *faultFlow, n *acctmap.Network) (any, error) {
		return nil, n.DeleteOrg(ctx, "bolt")
	}},
}

// keep returns a function that stores v in *dst if err is nil: a failed
// call must not lose the id a later step needs.
func keep[T any](dst *T) func(v T, err error) (any, error) {
	return func(v T, err error) (any, error) {
		if err == nil {
			*dst = v
		}
		return v, err
	}
}

// faultMode is one way of injecting a fault.
type faultMode struct {
	name string
	arm  func(fs *storetest.FaultStore, n int)
	want error
}

var faultModes = []faultMode{
	{"error", func(fs *storetest.FaultStore, n int) { fs.FailAt(n, nil) }, storetest.ErrInjected},
	{"cancel", func(fs *storetest.FaultStore, n int) { fs.CancelAt(n) }, context.Canceled},
}

// runFaultFlow runs the workflow on store with faults at every call: both
// kinds of fault at each call when every is set, else one kind per call,
// alternating.
func runFaultFlow(t *testing.T, store acctmap.Store, every bool) {
	ctx := context.Background()
	f := &faultFlow{fs: storetest.NewFaultStore(store)}
	clock := fixedClock()
	f.net = acctmap.New(f.fs, acctmap.WithClock(clock))
	faults := 0
	for _, st := range faultSteps {
		before := snapshot(t, store)
		var want any
		if st.read {
			// The reference result: a fresh Network, no fault.
			f.fs.Reset()
			got, err := st.run(ctx, f, acctmap.New(f.fs, acctmap.WithClock(clock)))
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			want = got
		}
		nets := []func() *acctmap.Network{func() *acctmap.Network { return f.net }}
		if st.read {
			nets = append(nets, func() *acctmap.Network { return acctmap.New(f.fs, acctmap.WithClock(clock)) })
		}
		for _, net := range nets {
			for n := 1; ; n++ {
				fired := false
				for mi, m := range faultModes {
					if !every && mi != n%len(faultModes) {
						continue
					}
					m.arm(f.fs, n)
					_, err := st.run(ctx, f, net())
					c, hit := f.fs.Injected()
					if !hit {
						if err != nil {
							t.Fatalf("%s: no fault at call %d (it makes %d calls), yet: %v", st.name, n, f.fs.Calls(), err)
						}
						if !st.read {
							f.fs.Reset()
							break // the step succeeded and changed the store: on to the next
						}
						continue
					}
					fired = true
					faults++
					if !errors.Is(err, m.want) {
						t.Errorf("%s with a fault (%s) at %v: the call returned %v, want an error wrapping %v", st.name, m.name, c, err, m.want)
					}
					if st.name == "ExportReport" && f.export.Len() > 0 {
						t.Errorf("%s with a fault (%s) at %v: %d bytes written", st.name, m.name, c, f.export.Len())
					}
					if !slices.Contains(f.fs.Ops(), "Update") {
						continue // only Views ran: nothing can have changed
					}
					if d := diffSnapshots(before, snapshot(t, store)); d != "" {
						t.Fatalf("%s with a fault (%s) at %v changed the store (-before +after):\n%s", st.name, m.name, c, d)
					}
				}
				if !fired {
					break
				}
			}
			if st.read {
				f.fs.Reset()
				got, err := st.run(ctx, f, net())
				if err != nil {
					t.Fatalf("%s after the faults: %v", st.name, err)
				}
				if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
					t.Errorf("%s after the faults differs from a fresh Network's result (-fresh +got):\n%s", st.name, d)
				}
			}
		}
		if st.read {
			if d := diffSnapshots(before, snapshot(t, store)); d != "" {
				t.Fatalf("read %s changed the store:\n%s", st.name, d)
			}
		}
	}
	// The export at the end of the faults is formula-safe.
	if !strings.Contains(f.export.String(), `"'=HYPERLINK(""http://evil.example""`) || !strings.Contains(f.export.String(), ",+1,") {
		t.Errorf("export does not hold the neutralized formula:\n%s", f.export.String())
	}
	t.Logf("%d steps, %d faults injected", len(faultSteps), faults)
}
