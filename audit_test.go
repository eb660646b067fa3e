package acctmap_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/csvsource"
	"github.com/acctmap/acctmap/memstore"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func trail(t *testing.T, a *acctmap.Actor, f acctmap.AuditFilter) []acctmap.AuditEntry {
	t.Helper()
	es, err := collectSeq(a.AuditLog(t.Context(), f))
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}
	return es
}

// auditLine is what the tests compare of an entry.
type auditLine struct {
	Action     acctmap.AuditAction
	OrgID      string
	UserID     string
	Partner    string
	Population string
	Level      acctmap.ShareLevel
	Fields     []string
	Preset     string
}

func auditLines(es []acctmap.AuditEntry) []auditLine {
	var out []auditLine
	for _, e := range es {
		out = append(out, auditLine{e.Action, e.OrgID, e.UserID, e.Partner, e.Population, e.Level, e.Fields, e.Preset})
	}
	return out
}

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	w := newEvWorld(t, memstore.New())
	cust := w.pops["acme/customers"]
	partner(t, w.ann, w.bob, "bolt", "acme")
	must[acctmap.Partnership](t, "Invite")(w.ann.Invite(ctx, "cirrus"))
	must[acctmap.Partnership](t, "CancelInvite")(w.ann.CancelInvite(ctx, "cirrus"))
	mustDo(t, "SetShareRule", w.ann.SetShareRule(ctx, cust.ID, "bolt", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"NAME", "Owner"}}))
	mustDo(t, "RemoveShareRule", w.ann.RemoveShareRule(ctx, cust.ID, "bolt"))
	mustDo(t, "SaveFieldPreset", w.ann.SaveFieldPreset(ctx, "basics", []string{"name"}))
	mustDo(t, "DeleteFieldPreset", w.ann.DeleteFieldPreset(ctx, "basics"))
	req := must[acctmap.ShareRequest](t, "RequestShare")(w.bob.RequestShare(ctx, "acme", cust.ID, acctmap.FullPopulation, []string{"owner"}, ""))
	must[acctmap.ShareRequest](t, "Approve")(w.ann.ApproveShareRequest(ctx, "bolt", req.ID))
	req2 := must[acctmap.ShareRequest](t, "RequestShare")(w.bob.RequestShare(ctx, "acme", cust.ID, acctmap.OverlappingRecords, nil, ""))
	must[acctmap.ShareRequest](t, "Decline")(w.ann.DeclineShareRequest(ctx, "bolt", req2.ID))
	must[acctmap.Partnership](t, "Revoke")(w.bob.Revoke(ctx, "acme"))

	ann := func(action acctmap.AuditAction, partner, pop string) auditLine {
		return auditLine{Action: action, OrgID: "acme", UserID: "acme-admin", Partner: partner, Population: pop}
	}
	want := []auditLine{
		ann(acctmap.AuditPartnershipInvited, "bolt", ""),
		ann(acctmap.AuditPartnershipInvited, "cirrus", ""),
		ann(acctmap.AuditPartnershipCancelled, "cirrus", ""),
		{Action: acctmap.AuditSharingRuleSet, OrgID: "acme", UserID: "acme-admin", Partner: "bolt", Population: cust.ID, Level: acctmap.OverlappingRecords, Fields: []string{"name", "Owner"}},
		ann(acctmap.AuditSharingRuleRemoved, "bolt", cust.ID),
		{Action: acctmap.AuditFieldPresetSaved, OrgID: "acme", UserID: "acme-admin", Fields: []string{"name"}, Preset: "basics"},
		{Action: acctmap.AuditFieldPresetDeleted, OrgID: "acme", UserID: "acme-admin", Preset: "basics"},
		{Action: acctmap.AuditShareRequestApproved, OrgID: "acme", UserID: "acme-admin", Partner: "bolt", Population: cust.ID, Level: acctmap.FullPopulation, Fields: []string{"Owner"}},
		ann(acctmap.AuditShareRequestDeclined, "bolt", cust.ID),
	}
	got := trail(t, w.ann, acctmap.AuditFilter{})
	if d := cmp.Diff(want, auditLines(got), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("acme's trail (-want +got):\n%s", d)
	}
	bob := func(action acctmap.AuditAction) auditLine {
		return auditLine{Action: action, OrgID: "bolt", UserID: "bolt-admin", Partner: "acme"}
	}
	wantBolt := []auditLine{bob(acctmap.AuditPartnershipAccepted), bob(acctmap.AuditShareRequestMade), bob(acctmap.AuditShareRequestMade), bob(acctmap.AuditPartnershipRevoked)}
	wantBolt[1].Level, wantBolt[1].Fields = acctmap.FullPopulation, []string{"owner"}
	wantBolt[2].Level = acctmap.OverlappingRecords
	if d := cmp.Diff(wantBolt, auditLines(trail(t, w.bob, acctmap.AuditFilter{})), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("bolt's trail: its own users' acts only (-want +got):\n%s", d)
	}

	// Filters.
	cases := []struct {
		name string
		f    acctmap.AuditFilter
		want []auditLine
	}{
		{"actions", acctmap.AuditFilter{Actions: []acctmap.AuditAction{acctmap.AuditSharingRuleRemoved, acctmap.AuditShareRequestDeclined}}, []auditLine{want[4], want[8]}},
		{"partner", acctmap.AuditFilter{Partner: "cirrus"}, want[1:3]},
		{"user", acctmap.AuditFilter{User: "someone else"}, nil},
		{"after", acctmap.AuditFilter{After: got[6].Cursor}, want[7:]},
		{"since and until", acctmap.AuditFilter{Since: got[3].At, Until: got[5].At}, want[3:5]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if d := cmp.Diff(c.want, auditLines(trail(t, w.ann, c.f)), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}

	// Admins only.
	must[acctmap.User](t, "AddUser")(w.net.AddUser(ctx, acctmap.User{ID: "acme-pm", OrgID: "acme", Name: "Pm", Role: acctmap.RolePartnerManager, Permissions: acctmap.AllPermissions}))
	for _, a := range []*acctmap.Actor{w.rae, w.net.As("acme-pm"), w.net.As("nobody")} {
		if _, err := collectSeq(a.AuditLog(ctx, acctmap.AuditFilter{})); !errors.Is(err, acctmap.ErrPermissionDenied) {
			t.Errorf("AuditLog as a non-admin: %v, want ErrPermissionDenied", err)
		}
	}
}

// exportWorld is acme sharing its customers with bolt at a record level,
// n of them, all matching bolt's customers.
func exportWorld(t *testing.T, n int) *evWorld {
	t.Helper()
	ctx := t.Context()
	w := newEvWorld(t, memstore.New())
	partner(t, w.ann, w.bob, "bolt", "acme")
	if n > 0 {
		for _, side := range []struct {
			a  *acctmap.Actor
			ds string
			id string
		}{{w.ann, w.acmeDS, "a"}, {w.bob, w.boltDS, "b"}} {
			in := make([]acctmap.RecordInput, n)
			for i := range in {
				in[i] = acctmap.RecordInput{ID: fmt.Sprintf("%s-%05d", side.id, i), Name: fmt.Sprintf("Company %d", i), Website: fmt.Sprintf("company%d.com", i),
					Fields: map[string]string{"Stage": "Customer", "Owner": strings.Repeat("o", 60) + side.id}}
			}
			must[acctmap.ImportSummary](t, "UpsertRecords")(side.a.UpsertRecords(ctx, side.ds, in))
		}
	}
	mustDo(t, "SetShareRule", w.ann.SetShareRule(ctx, w.pops["acme/customers"].ID, "bolt", acctmap.SharingRule{Level: acctmap.OverlappingRecords, Fields: []string{"name", "Owner"}}))
	return w
}

func exportsOf(es []acctmap.AuditEntry) []acctmap.AuditEntry {
	return slices.DeleteFunc(es, func(e acctmap.AuditEntry) bool {
		return e.Action != acctmap.AuditExport && e.Action != acctmap.AuditExportIncomplete
	})
}

func TestAuditExport(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	w := exportWorld(t, 0)
	spec := acctmap.ReportSpec{Partner: "acme", Population: w.pops["bolt/customers"].ID, PartnerPopulation: w.pops["acme/customers"].ID}
	rep := must[acctmap.Report](t, "Report")(w.bob.Report(ctx, spec))
	var buf bytes.Buffer
	n := must[int](t, "ExportReport")(w.bob.ExportReport(ctx, spec, &buf))
	if n != 2 || len(rep.Rows) != 2 {
		t.Fatalf("exported %d rows, the report has %d; want 2 (Stripe, Notion)", n, len(rep.Rows))
	}
	acme := exportsOf(trail(t, w.ann, acctmap.AuditFilter{}))
	want := []acctmap.AuditEntry{{Action: acctmap.AuditExport, OrgID: "bolt", UserID: "bolt-admin", Partner: "bolt",
		Population: w.pops["acme/customers"].ID, Rows: 2, RecordIDs: []string{"a1", "a2"}}}
	ignore := cmpopts.IgnoreFields(acctmap.AuditEntry{}, "Cursor", "At")
	if d := cmp.Diff(want, acme, ignore, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("acme's trail: who took which of its records (-want +got):\n%s", d)
	}
	bolt := exportsOf(trail(t, w.bob, acctmap.AuditFilter{}))
	wantBolt := []acctmap.AuditEntry{{Action: acctmap.AuditExport, OrgID: "bolt", UserID: "bolt-admin", Partner: "acme",
		Population: spec.Population, PartnerPopulation: spec.PartnerPopulation, Rows: 2, RecordIDs: []string{"b1", "b2"}}}
	if d := cmp.Diff(wantBolt, bolt, ignore, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("bolt's trail: its own records, never acme's ids (-want +got):\n%s", d)
	}
	// The quota agrees with the trail.
	if org := must[acctmap.Org](t, "Org")(w.net.Org(ctx, "bolt")); org.ExportedRecords != 2 {
		t.Errorf("bolt's quota: %d exported, want 2", org.ExportedRecords)
	}
}

// failAfter takes its first n writes and fails the others.
type failAfter struct {
	n   int
	buf bytes.Buffer
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, io.ErrClosedPipe
	}
	f.n--
	return f.buf.Write(p)
}

func TestAuditExportIncomplete(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	w := exportWorld(t, 1500)
	spec := acctmap.ReportSpec{Partner: "acme", Population: w.pops["bolt/customers"].ID, PartnerPopulation: w.pops["acme/customers"].ID}
	rep := must[acctmap.Report](t, "Report")(w.bob.Report(ctx, spec))
	for _, writes := range []int{0, 1} {
		t.Run(fmt.Sprintf("%d writes taken", writes), func(t *testing.T) {
			before := must[acctmap.Org](t, "Org")(w.net.Org(ctx, "bolt")).ExportedRecords
			fw := &failAfter{n: writes}
			n, err := w.bob.ExportReport(ctx, spec, fw)
			if !errors.Is(err, io.ErrClosedPipe) {
				t.Fatalf("ExportReport to a failing writer: %d rows, %v", n, err)
			}
			if writes > 0 && (n == 0 || n >= len(rep.Rows)) {
				t.Fatalf("%d of %d rows delivered: the test wants a partial export", n, len(rep.Rows))
			}
			if got := strings.Count(fw.buf.String(), "\n") - 1; writes > 0 && got != n {
				t.Fatalf("the writer took %d rows, ExportReport says %d", got, n)
			}
			if spent := must[acctmap.Org](t, "Org")(w.net.Org(ctx, "bolt")).ExportedRecords - before; spent != int64(n) {
				t.Errorf("quota charged %d, %d rows delivered", spent, n)
			}
			for _, side := range []struct {
				who  string
				a    *acctmap.Actor
				ids  func(r acctmap.ReportRow) string
				pref string
			}{{"bolt", w.bob, func(r acctmap.ReportRow) string { return r.RecordID }, "b-"}, {"acme", w.ann, nil, "a-"}} {
				es := exportsOf(trail(t, side.a, acctmap.AuditFilter{}))
				es = es[len(es)-2:]
				if es[0].Action != acctmap.AuditExport || es[0].Rows != len(rep.Rows) || len(es[0].RecordIDs) != len(rep.Rows) {
					t.Errorf("%s: the reservation: %s, %d rows, %d records; want export, %d", side.who, es[0].Action, es[0].Rows, len(es[0].RecordIDs), len(rep.Rows))
				}
				inc := es[1]
				if inc.Action != acctmap.AuditExportIncomplete || inc.Of != es[0].Cursor || inc.Rows != n || len(inc.RecordIDs) != n {
					t.Errorf("%s: the settlement: %s of %d, %d rows, %d records; want export.incomplete of %d, %d", side.who, inc.Action, inc.Of, inc.Rows, len(inc.RecordIDs), es[0].Cursor, n)
				}
				if !slices.Equal(inc.RecordIDs, es[0].RecordIDs[:len(inc.RecordIDs)]) {
					t.Errorf("%s: the records delivered are not the first reserved", side.who)
				}
				for _, id := range inc.RecordIDs {
					if !strings.HasPrefix(id, side.pref) {
						t.Errorf("%s's trail names record %q, not one of its own", side.who, id)
						break
					}
				}
				if side.ids != nil {
					for i, id := range inc.RecordIDs {
						if id != side.ids(rep.Rows[i]) {
							t.Errorf("%s: record %d delivered is %q, the report's row %d has %q", side.who, i, id, i, side.ids(rep.Rows[i]))
							break
						}
					}
				}
			}
		})
	}
}

func TestAuditExportOfAnOfflinePartner(t *testing.T) {
	// An offline partner's records are the exporter's own: its trail
	// names them, and no other trail is written.
	t.Parallel()
	ctx := t.Context()
	w := newEvWorld(t, memstore.New())
	off := must[acctmap.Org](t, "CreateOfflinePartner")(w.bob.CreateOfflinePartner(ctx, "Reseller"))
	ds := must[acctmap.DataSource](t, "CreateDataSource")(w.bob.CreateDataSource(ctx, acctmap.NewDataSource{OrgID: off.ID, Name: "list"}))
	csv := "id,name,website\nr1,Stripe,stripe.com\nr2,Unknown,unknown.com\n"
	must[acctmap.ImportSummary](t, "ImportCSV")(w.bob.ImportCSV(ctx, ds.ID, strings.NewReader(csv), acctmap.CSVImport{Mapping: csvsource.Mapping{ID: "id", Name: "name", Website: "website"}}))
	all := must[acctmap.Population](t, "CreatePopulation")(w.bob.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: acctmap.Customers}))
	spec := acctmap.ReportSpec{Partner: off.ID, Population: w.pops["bolt/customers"].ID, PartnerPopulation: all.ID}
	if n := must[int](t, "ExportReport")(w.bob.ExportReport(ctx, spec, io.Discard)); n != 1 {
		t.Fatalf("%d rows exported, want 1 (Stripe)", n)
	}
	es := exportsOf(trail(t, w.bob, acctmap.AuditFilter{}))
	if len(es) != 1 || !slices.Equal(es[0].RecordIDs, []string{"b1"}) || !slices.Equal(es[0].PartnerRecordIDs, []string{"r1"}) {
		t.Errorf("bolt's trail of the export of its offline partner's records: %+v", es)
	}
}
