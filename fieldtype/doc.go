// Package fieldtype reads the typed values of CRM exports — numbers, money,
// dates and booleans as people and spreadsheets write them in different
// countries — so that filters compare values rather than strings.
//
// A data source declares each field's [Type]: a [Kind], a [Locale] that
// says how numbers and dates are written, and for money an optional
// currency. [Type.Parse] reads one value into a [Value], which is
// comparable with == and ordered by [Value.Compare]. [Suggest] proposes a
// Type from a column's sample values, as an import preview does.
//
// # Nothing is guessed
//
// A value that could mean two things is an error, not a guess. "1,234" is
// 1234 in US and 1.234 in DE, as each locale says; "1.234,56" is an error
// in US; "13/01/2024" is an error in a day-after-month locale; "12/31/24"
// is an error everywhere (which century?); "$5" is an error unless the
// field's currency or the locale says which dollar. Errors are
// *[ParseError] values wrapping [ErrParse] (or [ErrEmpty] for an empty
// value) that name the kind, the locale and the reason, and quote at most
// 40 characters of the value.
//
// # Accepted forms
//
// Surrounding white space, including no-break spaces and a BOM, is
// ignored (Text excepted: it is taken as given and never fails).
//
//	Kind     Form                                    US            DE / FR
//	-------  --------------------------------------  ------------  ------------
//	Number   plain digits, decimal separator         1234.56       1234,56
//	         grouped by three (Indian: 12,34,567)    1,234.56      1.234,56 / 1 234,56
//	         leading decimal                         .5            ,5
//	         exponent (not grouped)                  1.5e3         1,5e3
//	         sign: - + − (U+2212)                    -5, +5, −5
//	         accounting parentheses                  (5)
//	         trailing minus (SAP, ledgers)           5-
//	Money    a Number form without exponent, with a currency before or after,
//	         with or without a space, the sign on either side of it:
//	         $2,000  -$5  $-5  ($5)  2,000 USD  €1.200 (DE)  1 234,56 € (FR)  5- €
//	         ISO 4217 codes in any case: USD, eur, CHF ...
//	         symbols of one currency: € £ ₹ ₩ ₽ ₺ ₪ ₫ ₱ ₴ ₦ ฿ zł Kč US$ C$ CA$
//	         A$ AU$ NZ$ HK$ S$ MX$ R$ JP¥ CN¥
//	         shared symbols ($ ¥ kr): the field's Currency, else the locale's
//	         Currency if the symbol is one of its, else an error
//	Date     year first, any locale: 2024-12-31  2024/12/31  2024.12.31  2024-1-5
//	         day and month by the locale's order:  US 12/31/2024  DE 31.12.2024
//	           (separators / . - ; year-first locales reject these)
//	         month names (English, German, French, Spanish, Italian, Dutch,
//	         Portuguese; accents optional), any locale:
//	           Dec 31, 2024   December 31 2024   31 Dec 2024   31-Dec-2024
//	           31st December 2024   31. Dezember 2024   1er janvier 2024
//	           31 de diciembre de 2024   2024 Dec 31
//	         a time of day after any of these is checked and ignored (the
//	         value is the calendar date as written, in the writer's zone):
//	           2024-12-31T23:59:59.999Z  12/31/2024 2:30 PM  31.12.2024 14:30 +01:00
//	Boolean  true/false  t/f  yes/no  y/n  1/0  on/off  ja/nein  j/n  wahr/falsch
//	         oui/non  vrai/faux  sí/no  verdadero/falso  vero/falso  sim/não
//	         waar/onwaar  ja/nee; any case
//
// Rejected: two-digit years, dates without separators (20241231), spreadsheet
// serial numbers (45657), NaN and infinities, numbers out of float64 range,
// mixed or misplaced grouping separators (1,23.4; 1.234.5 in DE; 0,123 in
// US), a grouped number starting with 0, two signs, two currencies, a
// currency in a Number field.
//
// # Canonical forms
//
// [Value.String] returns a canonical form that the ISO locale reads back to
// the same value: "-1234.5", "1234.5 EUR", "2024-12-31", "true".
package fieldtype
