package matcheval

// Class describes one kind of labeled pair.
type Class struct {
	Name  string // as written in labels.csv
	Label Label  // the label every pair of this class carries
	Hard  bool   // a case a matcher on domains or exact names gets wrong
	Doc   string // one-line description; RULES.md has the full rule
}

// Classes returns the classes a labels file may use, in a fixed order. Every
// class is documented in RULES.md.
func Classes() []Class {
	return []Class{
		{"exact", Same, false, "the same company on the same registrable domain"},
		{"share_class", Same, false, "another class, preferred share, warrant or note of the same issuer, on the same domain"},
		{"share_class_offsite", Same, true, "a share class or preferred share of the same issuer listed with no website or another one"},
		{"domain_change", Same, true, "the same company, the two lists giving different registrable domains (IR, regional or new corporate site)"},
		{"rename", Same, true, "the same company under a new name"},
		{"umbrella_fund", Different, true, "a fund, trust or BDC sponsored or managed by the company, often on its domain"},
		{"subsidiary", Different, true, "a separately incorporated subsidiary or controlled partnership of the company"},
		{"spin_off", Different, true, "a company spun off from the other one, or its former parent"},
		{"homonym", Different, true, "different companies whose names start with the same distinctive word(s)"},
		{"data_error", Different, true, "a record whose name or website is wrong and points at the other company"},
		{"acquirer_site", Different, true, "a record whose website already points to its acquirer"},
		{"name_overlap", Different, false, "different companies sharing an uncommon word of their names"},
		{"ticker_collision", Different, false, "different companies whose tickers share a root"},
	}
}

// LookupClass returns the class named name.
func LookupClass(name string) (Class, bool) {
	for _, c := range Classes() {
		if c.Name == name {
			return c, true
		}
	}
	return Class{}, false
}
