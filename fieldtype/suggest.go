package fieldtype

// Suggestion is what Suggest infers about one column from sample values.
type Suggestion struct {
	// Type is the suggested type: Text when no other type reads at least
	// SuggestThreshold of the samples.
	Type Type
	// NonEmpty counts the samples that are not empty or white space;
	// Suggest ignores the others.
	NonEmpty int
	// Parsed counts the non-empty samples that Type reads.
	Parsed int
	// Fraction is Parsed / NonEmpty, 0 without samples.
	Fraction float64
	// Ambiguous reports that the alternatives read as many samples as
	// Type but read some of them differently (01/02/2024 as January 2 or
	// February 1), so the user must choose.
	Ambiguous bool
	// Alternatives are the other types worth showing, best first: when
	// Ambiguous, those that read as many samples as Type; when Type is
	// Text, the types that came closest.
	Alternatives []Candidate
}

// Candidate is one type Suggest tried, with how many samples it reads.
type Candidate struct {
	Type     Type
	Parsed   int
	Fraction float64
}

// SuggestThreshold is the fraction of the non-empty samples that a type
// other than Text must read to be suggested; below it a column stays Text
// and the closest types are listed as alternatives.
const SuggestThreshold = 0.8

// maxSuggestSamples bounds the work of Suggest: an import preview shows a
// few hundred rows.
const maxSuggestSamples = 1000

// Suggest infers the kind and locale of one column from sample values, as
// an import preview's column mapping step proposes them. It tries booleans,
// dates, numbers and money in the named locales (ISO, US, UK, DE, FR, in
// that order of preference) and keeps the type that reads the most
// samples. Types that read the same samples to the same values are
// equivalent and the first is kept ("2024-12-31" is ISO, whatever the
// locale); types that read as many samples to different values make the
// suggestion Ambiguous: "01/02/2024" alone is January 2 in US and
// February 1 in UK, until a "13/02/2024" settles it. Among kinds that tie,
// Boolean comes before Date, Number and Money ("0" and "1").
//
// Empty samples are ignored; only the first 1000 non-empty ones are read.
// Money is suggested only when some samples name a currency; when all
// that do name the same one, it becomes the suggested Type's Currency.
func Suggest(samples []string) Suggestion {
	var vals []string
	for _, s := range samples {
		if trimSpace(s) == "" {
			continue
		}
		vals = append(vals, s)
		if len(vals) == maxSuggestSamples {
			break
		}
	}
	n := len(vals)
	if n == 0 {
		return Suggestion{}
	}
	type result struct {
		typ    Type
		values []Value
		ok     []bool
		count  int
	}
	run := func(t Type) result {
		r := result{typ: t, values: make([]Value, n), ok: make([]bool, n)}
		for i, s := range vals {
			if v, err := t.Parse(s); err == nil {
				r.values[i], r.ok[i] = v, true
				r.count++
			}
		}
		return r
	}
	var results []result
	for _, t := range candidateTypes() {
		r := run(t)
		if t.Kind == Money {
			// Money without any currency is a number; with one currency
			// throughout, the bare amounts are in it too.
			code, one := "", true
			for i, v := range r.values {
				if !r.ok[i] || v.Currency() == "" {
					continue
				}
				if code != "" && v.Currency() != code {
					one = false
				}
				code = v.Currency()
			}
			if code == "" {
				continue
			}
			if one {
				t.Currency = code
				r = run(t)
			}
		}
		if r.count > 0 {
			results = append(results, r)
		}
	}
	best := 0
	for _, r := range results {
		best = max(best, r.count)
	}
	frac := func(k int) float64 { return float64(k) / float64(n) }
	same := func(a, b result) bool {
		for i := range a.values {
			if a.ok[i] != b.ok[i] || a.values[i] != b.values[i] {
				return false
			}
		}
		return true
	}
	// Classes of equivalent results among the best, in preference order.
	var classes []result
	for _, r := range results {
		if r.count != best {
			continue
		}
		dup := false
		for _, c := range classes {
			if same(c, r) {
				dup = true
				break
			}
		}
		if !dup {
			classes = append(classes, r)
		}
	}
	var alts []Candidate
	if best == 0 || frac(best) < SuggestThreshold {
		for _, c := range classes {
			alts = append(alts, Candidate{Type: c.typ, Parsed: c.count, Fraction: frac(c.count)})
		}
		return Suggestion{Type: Type{Kind: Text}, NonEmpty: n, Parsed: n, Fraction: 1, Alternatives: alts}
	}
	for _, c := range classes[1:] {
		alts = append(alts, Candidate{Type: c.typ, Parsed: c.count, Fraction: frac(c.count)})
	}
	return Suggestion{
		Type:         classes[0].typ,
		NonEmpty:     n,
		Parsed:       best,
		Fraction:     frac(best),
		Ambiguous:    len(alts) > 0,
		Alternatives: alts,
	}
}

// candidateTypes lists the types Suggest tries, in order of preference.
func candidateTypes() []Type {
	locales := []Locale{isoLocale(), usLocale(), ukLocale(), deLocale(), frLocale()}
	ts := []Type{{Kind: Boolean, Locale: isoLocale()}}
	for _, k := range []Kind{Date, Number, Money} {
		for _, l := range locales {
			ts = append(ts, Type{Kind: k, Locale: l})
		}
	}
	return ts
}
