package acctmap

// Op is a filter operator.
type Op string

// Filter operators. On a field without a declared type, string
// comparisons ignore case, and GreaterThan and LessThan compare numbers
// ("1200", "1,200.50"), or ISO 8601 dates (2006-01-02, or RFC 3339
// timestamps), as the filter's Value is one or the other. On a field of a
// declared type (DataSource.FieldTypes), Equals, NotEquals, In, NotIn,
// GreaterThan and LessThan compare the values that the type reads in the
// data source's locale, operands included: see the package documentation's
// section on filters.
const (
	Equals      Op = "equals"
	NotEquals   Op = "not_equals"
	Contains    Op = "contains"
	StartsWith  Op = "starts_with"
	In          Op = "in"
	NotIn       Op = "not_in"
	GreaterThan Op = "greater_than"
	LessThan    Op = "less_than"
	IsEmpty     Op = "is_empty"
	IsNotEmpty  Op = "is_not_empty"
)

// Condition is one test on a record field.
type Condition struct {
	// Field is a field of the data source, or one of the built-in fields
	// "id", "name" and "website".
	Field string
	Op    Op
	// Value is the operand of every operator but In, NotIn, IsEmpty and
	// IsNotEmpty. On a typed field it is written as the data source writes
	// the field's values ("1.000,00" in de-DE, "$1,000" in en-US), or in a
	// form every locale reads (dates 2024-12-31).
	Value string
	// Values are the operands of In and NotIn.
	Values []string
}

// Filter selects records: every condition in All holds, and in each group
// of AnyOf at least one condition holds. The zero Filter selects every
// record.
type Filter struct {
	All   []Condition
	AnyOf [][]Condition
}
