package acctmap

import (
	"fmt"
	"strings"
)

// The built-in record values, named as filters, sharing rules and reports
// name them. Every data source has them besides its own fields.
const (
	FieldID      = "id"      // Record.ID
	FieldName    = "name"    // Record.Name
	FieldWebsite = "website" // Record.Website
)

// builtinFields lists the built-in values in the order reports show them.
var builtinFields = [...]string{FieldID, FieldName, FieldWebsite}

// resolveField is the one place that says which record value a field name
// means, for filters, sharing rules, share requests and report columns
// alike, so that what a rule shares is what a filter tests.
//
// The order is: a built-in spelled exactly ("name"), then a data source
// field spelled exactly ("Name"), then a built-in in any case ("NAME"),
// then a data source field in any case. A data source field spelled
// exactly like a built-in ("name") is shadowed by it: imports warn about
// such columns. It returns the canonical name: the built-in's, or the
// field's own spelling.
func resolveField(name string, fields []string) (string, bool) {
	name = strings.TrimSpace(name)
	for _, b := range builtinFields {
		if name == b {
			return b, true
		}
	}
	for _, f := range fields {
		if name == f {
			return f, true
		}
	}
	for _, b := range builtinFields {
		if strings.EqualFold(name, b) {
			return b, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(name, f) {
			return f, true
		}
	}
	return "", false
}

// isBuiltin reports whether a canonical field name is a built-in value.
func isBuiltin(canonical string) bool {
	return canonical == FieldID || canonical == FieldName || canonical == FieldWebsite
}

// fieldValue reads the value a canonical field name (from resolveField)
// means.
func fieldValue(r *Record, canonical string) string {
	switch canonical {
	case FieldID:
		return r.ID
	case FieldName:
		return r.Name
	case FieldWebsite:
		return r.Website
	}
	return r.Fields[canonical]
}

// shadowedWarning is the import warning for a field spelled exactly like
// a built-in, or "" for any other field: filters, rules and reports that
// name it mean the built-in, so its values are stored and never reached.
func shadowedWarning(field string) string {
	if !isBuiltin(field) {
		return ""
	}
	return fmt.Sprintf("field %q is spelled like the built-in %q: filters, sharing rules and reports naming it mean the built-in; rename it (for example %q) to use its values",
		field, field, field+"_field")
}

// unknownFieldError describes a field name that resolveField does not
// know, listing the data source's fields (the caller's own data).
func unknownFieldError(name string, fields []string) string {
	return fmt.Sprintf("field %.80q is not a field of the data source (fields: %s, and the built-in %s)",
		name, quoteList(fields, 20), strings.Join(builtinFields[:], ", "))
}

// allFields lists the built-in values and then a data source's own
// fields, leaving out the ones that built-ins shadow: every value of a
// record once, by canonical name.
func allFields(fields []string) []string {
	out := append([]string(nil), builtinFields[:]...)
	for _, f := range fields {
		if !isBuiltin(f) {
			out = append(out, f)
		}
	}
	return out
}
