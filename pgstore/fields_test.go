package pgstore

import (
	"reflect"
	"slices"
	"testing"

	"github.com/acctmap/acctmap"
)

// TestEveryFieldStored fails when a type the Store persists gains a field
// pgstore does not know about: it must get a column (and a migration)
// before the store can round-trip it. Nested types stored as jsonb
// (FieldPreset, ShareRequest, NotSameMark, Filter, Sharing) round-trip
// whatever their fields.
func TestEveryFieldStored(t *testing.T) {
	for _, tc := range []struct {
		typ    reflect.Type
		fields []string
	}{
		{reflect.TypeFor[acctmap.Org](), []string{"ID", "Name", "OfflineOf", "Limits", "ExportedRecords", "FieldPresets", "Counts", "CountsFor", "CountLedgers", "CountKey", "CreatedAt"}},
		{reflect.TypeFor[acctmap.Limits](), []string{"MaxOfflinePartners", "MaxExportedRecords"}},
		{reflect.TypeFor[acctmap.User](), []string{"ID", "OrgID", "Name", "Email", "Role", "Permissions", "CreatedAt"}},
		{reflect.TypeFor[acctmap.Partnership](), []string{"Inviter", "Invitee", "Status", "InvitedAt", "UpdatedAt", "Requests"}},
		{reflect.TypeFor[acctmap.DataSource](), []string{"ID", "OrgID", "Name", "Kind", "Fields", "Version", "NotSame", "PrivateTombstones", "Subject", "FieldTypes", "Locale", "CreatedAt", "UpdatedAt"}},
		{reflect.TypeFor[acctmap.Population](), []string{"ID", "OrgID", "DataSourceID", "Kind", "Name", "Description", "Filter", "Slot", "Sharing", "CreatedAt", "UpdatedAt"}},
		{reflect.TypeFor[acctmap.Record](), []string{"ID", "Name", "Website", "Domains", "NameKey", "OtherNames", "OtherNameKeys", "RegistrationID", "Email", "EmailKey", "Fields", "Populations", "Private"}},
		{reflect.TypeFor[acctmap.RegistrationID](), []string{"Scheme", "Value"}},
	} {
		var have []string
		for i := range tc.typ.NumField() {
			have = append(have, tc.typ.Field(i).Name)
		}
		for _, f := range have {
			if !slices.Contains(tc.fields, f) {
				t.Errorf("pgstore does not store %s.%s", tc.typ.Name(), f)
			}
		}
		for _, f := range tc.fields {
			if !slices.Contains(have, f) {
				t.Errorf("pgstore stores %s.%s, which no longer exists", tc.typ.Name(), f)
			}
		}
	}
}
