package pgstore

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// Strings other than ids are stored as text (and jsonb), which holds valid
// UTF-8 without NUL bytes, while a Go string may hold any bytes. toText
// maps every string to one text can hold, and fromText maps it back: each
// NUL byte becomes esc followed by '0', each byte that is not part of valid
// UTF-8 esc 'x' and two hex digits, and esc itself esc 'e'. Any other
// string, which is nearly every string, is stored as it is, so SQL sees
// the values it expects.
const (
	esc    = '\uffff' // a Unicode noncharacter: not in text that means something
	escStr = string(esc)
)

// plainText reports whether toText leaves s as it is.
func plainText(s string) bool {
	for i := 0; i < len(s); {
		// Eight ASCII bytes, none of them NUL, at a time: most strings are
		// ASCII, and an import checks every one.
		if len(s)-i >= 8 {
			v := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
			if v&0x8080808080808080 == 0 && (v-0x0101010101010101)&^v&0x8080808080808080 == 0 {
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c == 0 {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == esc || (r == utf8.RuneError && n == 1) {
			return false
		}
		i += n
	}
	return true
}

const hexDigits = "0123456789abcdef"

// toText returns s in a form PostgreSQL text can hold; fromText reverses it.
func toText(s string) string {
	if plainText(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(escStr)
			b.WriteByte('x')
			b.WriteByte(hexDigits[s[i]>>4])
			b.WriteByte(hexDigits[s[i]&0xf])
		case r == 0:
			b.WriteString(escStr)
			b.WriteByte('0')
		case r == esc:
			b.WriteString(escStr)
			b.WriteByte('e')
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// fromText reverses toText.
func fromText(s string) string {
	if !strings.Contains(s, escStr) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.Index(s, escStr)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i+len(escStr):]
		switch {
		case strings.HasPrefix(s, "0"):
			b.WriteByte(0)
			s = s[1:]
		case strings.HasPrefix(s, "e"):
			b.WriteRune(esc)
			s = s[1:]
		case len(s) >= 3 && s[0] == 'x' && unhex(s[1]) >= 0 && unhex(s[2]) >= 0:
			b.WriteByte(byte(unhex(s[1])<<4 | unhex(s[2])))
			s = s[3:]
		default: // not written by toText: keep it
			b.WriteString(escStr)
		}
	}
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// textSlice applies toText to every string of list, copying it only if
// one changes; nil for an empty list (stored as NULL).
func textSlice(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	for i, s := range list {
		if !plainText(s) {
			out := make([]string, len(list))
			copy(out, list[:i])
			for j := i; j < len(list); j++ {
				out[j] = toText(list[j])
			}
			return out
		}
	}
	return list
}

// fromTextSlice applies fromText to every string of list, in place: list
// is fresh from the driver.
func fromTextSlice(list []string) {
	for i, s := range list {
		list[i] = fromText(s)
	}
}

// textMap applies toText to every key and value of m, copying it only if
// one changes.
func textMap(m map[string]string) map[string]string {
	for k, v := range m {
		if !plainText(k) || !plainText(v) {
			out := make(map[string]string, len(m))
			for k, v := range m {
				out[toText(k)] = toText(v)
			}
			return out
		}
	}
	return m
}

// fromTextMap reverses textMap, in place when no key changes: m is fresh
// from the driver.
func fromTextMap(m map[string]string) map[string]string {
	for k := range m {
		if strings.Contains(k, escStr) {
			out := make(map[string]string, len(m))
			for k, v := range m {
				out[fromText(k)] = fromText(v)
			}
			return out
		}
	}
	for k, v := range m {
		if strings.Contains(v, escStr) {
			m[k] = fromText(v)
		}
	}
	return m
}

// mapStrings returns a deep copy of v in which fn has been applied to
// every string, map keys included: the values of the jsonb columns (a
// population's filter and sharing, an org's field presets, …) are stored
// with toText applied to their strings and read back with fromText. Times
// are kept as they are.
func mapStrings[T any](v T, fn func(string) string) T {
	return mapValue(reflect.ValueOf(&v).Elem(), fn).Interface().(T)
}

var timeType = reflect.TypeFor[time.Time]()

func mapValue(v reflect.Value, fn func(string) string) reflect.Value {
	t := v.Type()
	switch v.Kind() {
	case reflect.String:
		out := reflect.New(t).Elem()
		out.SetString(fn(v.String()))
		return out
	case reflect.Struct:
		if t == timeType {
			return v
		}
		out := reflect.New(t).Elem()
		out.Set(v)
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				out.Field(i).Set(mapValue(v.Field(i), fn))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(mapValue(v.Index(i), fn))
		}
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := range v.Len() {
			out.Index(i).Set(mapValue(v.Index(i), fn))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(mapValue(it.Key(), fn), mapValue(it.Value(), fn))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t.Elem())
		out.Elem().Set(mapValue(v.Elem(), fn))
		return out
	}
	return v
}

// jsonArg returns v as a jsonb argument, its strings mapped by toText,
// or NULL when v is empty (nil or empty slices and maps, zero structs).
func jsonArg[T any](v T) (any, error) {
	if reflect.ValueOf(&v).Elem().IsZero() || isEmptyList(v) {
		return nil, nil
	}
	b, err := json.Marshal(mapStrings(v, toText))
	if err != nil {
		return nil, err
	}
	return b, nil
}

func isEmptyList(v any) bool {
	rv := reflect.ValueOf(v)
	return (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map) && rv.Len() == 0
}

// jsonScanner is a scan destination for a jsonb column written by
// jsonArg: it decodes the JSON, or NULL as the zero value, into dst and
// applies fromText to its strings.
type jsonScanner[T any] struct{ dst *T }

// ScanBytes implements pgtype.BytesScanner.
func (s jsonScanner[T]) ScanBytes(b []byte) error {
	var zero T
	*s.dst = zero
	if b == nil {
		return nil
	}
	if err := json.Unmarshal(b, s.dst); err != nil {
		return err
	}
	*s.dst = mapStrings(*s.dst, fromText)
	return nil
}

func jsonScan[T any](dst *T) jsonScanner[T] { return jsonScanner[T]{dst} }

// appendFieldsJSON appends m as a JSON object, for the fields column: m
// is textMap's, so every string is valid UTF-8 without NUL, and only '"',
// '\\' and control characters need escaping. It does the work of
// json.Marshal for a tenth of the time, which an import spends on every
// record.
func appendFieldsJSON(b []byte, m map[string]string) []byte {
	b = append(b, '{')
	first := true
	for k, v := range m {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	return append(b, '}')
}

// appendJSONString appends s, valid UTF-8, as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
