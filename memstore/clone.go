package memstore

import (
	"maps"
	"slices"

	"github.com/acctmap/acctmap"
)

// The store copies every value that crosses its boundary, in both
// directions: what a caller put or was given shares no slice or map with
// what is stored, so writing into it afterwards changes nothing here (and
// races with nothing). Strings and times are immutable and kept as they are.

func cloneOrg(o acctmap.Org) acctmap.Org {
	if o.FieldPresets != nil {
		o.FieldPresets = slices.Clone(o.FieldPresets)
		for i := range o.FieldPresets {
			o.FieldPresets[i].Fields = slices.Clone(o.FieldPresets[i].Fields)
		}
	}
	o.CountsFor = maps.Clone(o.CountsFor)
	if o.CountLedgers != nil {
		l := make(map[string]acctmap.CountLedger, len(o.CountLedgers))
		for k, v := range o.CountLedgers {
			v.Released = slices.Clone(v.Released)
			l[k] = v
		}
		o.CountLedgers = l
	}
	o.CountKey = slices.Clone(o.CountKey)
	return o
}

func cloneUser(u acctmap.User) acctmap.User { return u } // no slice or map

func clonePartnership(p acctmap.Partnership) acctmap.Partnership {
	if p.Requests != nil {
		p.Requests = slices.Clone(p.Requests)
		for i := range p.Requests {
			p.Requests[i].Fields = slices.Clone(p.Requests[i].Fields)
		}
	}
	return p
}

func cloneDataSource(d acctmap.DataSource) acctmap.DataSource {
	d.Fields = slices.Clone(d.Fields)
	d.NotSame = slices.Clone(d.NotSame)
	d.PrivateTombstones = slices.Clone(d.PrivateTombstones)
	d.FieldTypes = maps.Clone(d.FieldTypes)
	return d
}

func cloneConditions(cs []acctmap.Condition) []acctmap.Condition {
	if cs == nil {
		return nil
	}
	cs = slices.Clone(cs)
	for i := range cs {
		cs[i].Values = slices.Clone(cs[i].Values)
	}
	return cs
}

func clonePopulation(p acctmap.Population) acctmap.Population {
	p.Filter.All = cloneConditions(p.Filter.All)
	if p.Filter.AnyOf != nil {
		p.Filter.AnyOf = slices.Clone(p.Filter.AnyOf)
		for i := range p.Filter.AnyOf {
			p.Filter.AnyOf[i] = cloneConditions(p.Filter.AnyOf[i])
		}
	}
	if d := p.Sharing.Default; d != nil {
		c := *d
		c.Fields = slices.Clone(c.Fields)
		p.Sharing.Default = &c
	}
	if p.Sharing.Partners != nil {
		m := make(map[string]acctmap.SharingRule, len(p.Sharing.Partners))
		for k, v := range p.Sharing.Partners {
			v.Fields = slices.Clone(v.Fields)
			m[k] = v
		}
		p.Sharing.Partners = m
	}
	return p
}

// cloneAll copies a list read from a table: the list is new, its items
// still point into the table.
func cloneAll[V any](vs []V, clone func(V) V) []V {
	for i := range vs {
		vs[i] = clone(vs[i])
	}
	return vs
}
