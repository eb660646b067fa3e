package fieldtype

import "testing"

// BenchmarkParse measures one value of each kind as a CRM export holds it.
func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct {
		name string
		typ  Type
		in   string
	}{
		{"number", Type{Kind: Number, Locale: DE}, "1.234.567,89"},
		{"money", Type{Kind: Money, Locale: US}, "$1,234.50"},
		{"date", Type{Kind: Date, Locale: US}, "12/31/2024"},
		{"date-name", Type{Kind: Date, Locale: US}, "Dec 31, 2024"},
		{"boolean", Type{Kind: Boolean}, "Yes"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.typ.Parse(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSuggest measures the import preview's inference on 200 rows.
func BenchmarkSuggest(b *testing.B) {
	samples := make([]string, 200)
	for i := range samples {
		samples[i] = []string{"1.234,56 €", "€5", "", "12,50 €"}[i%4]
	}
	b.ReportAllocs()
	for b.Loop() {
		Suggest(samples)
	}
}
