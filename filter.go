package acctmap

// Op is a filter operator.
type Op string

// Filter operators. String comparisons ignore case; GreaterThan and LessThan
// compare numbers, or ISO 8601 dates (2006-01-02, or RFC 3339 timestamps),
// as the filter's Value is one or the other.
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
	// IsNotEmpty.
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
