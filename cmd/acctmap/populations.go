package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctmap/acctmap"
	"github.com/acctmap/acctmap/cmd/acctmap/internal/where"
)

// filterFlags are --where and --any, shared by populations and reports.
type filterFlags struct {
	where, anyOf []string
}

func (f *filterFlags) add(c *cobra.Command, on string) {
	c.Flags().StringArrayVar(&f.where, "where", nil, "a condition on "+on+", e.g. 'Stage = Customer' (repeatable: all must hold; see 'acctmap help where')")
	c.Flags().StringArrayVar(&f.anyOf, "any", nil, "conditions of which one must hold, e.g. 'Stage = Customer or Stage = Prospect' (repeatable)")
}

// filter parses the flags; a syntax error is a usage error naming the flag
// and the position.
func (f *filterFlags) filter(cmd *cobra.Command) (acctmap.Filter, error) {
	var out acctmap.Filter
	for _, w := range f.where {
		c, err := where.Parse(w)
		if err != nil {
			return out, usagef(cmd, "--where %.60q: %v", w, err)
		}
		out.All = append(out.All, c)
	}
	for _, w := range f.anyOf {
		g, err := where.ParseAny(w)
		if err != nil {
			return out, usagef(cmd, "--any %.60q: %v", w, err)
		}
		out.AnyOf = append(out.AnyOf, g)
	}
	return out, nil
}

// blame finds the --where or --any flag that a filter error of the library
// comes from, by trying each alone with try: the library names conditions
// by their index in the filter, the user by the flag.
func (f *filterFlags) blame(err error, parsed acctmap.Filter, try func(acctmap.Filter) error) error {
	if !errors.Is(err, acctmap.ErrInvalidInput) {
		return err
	}
	for i, c := range parsed.All {
		if e := try(acctmap.Filter{All: []acctmap.Condition{c}}); i < len(f.where) && errors.Is(e, acctmap.ErrInvalidInput) {
			return failf("--where %.60q: %s", f.where[i], conditionMessage(e))
		}
	}
	for i, g := range parsed.AnyOf {
		if e := try(acctmap.Filter{AnyOf: [][]acctmap.Condition{g}}); i < len(f.anyOf) && errors.Is(e, acctmap.ErrInvalidInput) {
			return failf("--any %.60q: %s", f.anyOf[i], conditionMessage(e))
		}
	}
	return err
}

var conditionIndex = regexp.MustCompile(`filter (all|any_of)(\[\d+\])+: `)

// conditionMessage is the library's message about one condition, without
// what comes before the condition's index.
func conditionMessage(err error) string {
	msg := libraryMessage(err)
	if loc := conditionIndex.FindAllStringIndex(msg, -1); len(loc) > 0 {
		return msg[loc[len(loc)-1][1]:]
	}
	return msg
}

// filterText writes a filter as the flags would.
func filterText(f acctmap.Filter) string {
	all, anyOf := where.FormatFilter(f)
	for _, g := range anyOf {
		if len(anyOf) > 0 && (len(all) > 0 || len(anyOf) > 1) {
			g = "(" + g + ")"
		}
		all = append(all, g)
	}
	if len(all) == 0 {
		return "every record"
	}
	return strings.Join(all, " and ")
}

var kinds = []acctmap.PopulationKind{acctmap.Customers, acctmap.Prospects, acctmap.OpenOpportunities, acctmap.Custom}

// kindOf returns the standard kind a name stands for ("Customers",
// "customers", "open_opportunities"), or Custom.
func kindOf(name string) acctmap.PopulationKind {
	for _, k := range kinds[:3] {
		if strings.EqualFold(name, k.StandardName()) || strings.EqualFold(name, string(k)) {
			return k
		}
	}
	return acctmap.Custom
}

func (a *app) populationCmd() *cobra.Command {
	var source, partnerName, description string
	kind := newChoice("", "customers", "prospects", "open_opportunities", "custom")
	var ff filterFlags
	add := &cobra.Command{
		Use:   "add NAME [--where EXPR]…",
		Short: "Define a population: a segment of a source, by a filter",
		Long: `population add saves a population over one source. Customers, Prospects and
Open Opportunities are the standard kinds, once each per org (the name says
which; --kind custom makes another with such a name); any other name is a
custom population. Conditions of --where must all hold; of each --any, one.
See 'acctmap help where' for the expressions.`,
		Example: `  acctmap population add Customers --where 'Stage = Customer'
  acctmap population add Prospects --source ours.csv --where 'Stage = Prospect'
  acctmap population add "Big software" --where 'Industry = Software' --where 'Employees > 1000'
  acctmap population add "Pipeline" --any 'Stage = Prospect or Stage = Open Opportunity'
  acctmap population add Customers --partner "Cobalt Consulting" --where 'Status = Customer'`,
		Args: exactArgs(1, "NAME"),
		RunE: a.action(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			f, err := ff.filter(cmd)
			if err != nil {
				return err
			}
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			orgID, orgName, err := s.dataOrg(ctx, partnerName)
			if err != nil {
				return err
			}
			ds, err := s.resolveSource(ctx, orgID, orgName, source)
			if err != nil {
				return err
			}
			name := args[0]
			k := kindOf(name)
			if kind.value != "" {
				k = acctmap.PopulationKind(kind.value)
			}
			if k != acctmap.Custom && kindOf(name) == k {
				name = "" // the standard name
			}
			pop, err := s.actor.CreatePopulation(ctx, acctmap.PopulationSpec{DataSourceID: ds.ID, Kind: k, Name: name, Description: description, Filter: f})
			if err != nil {
				return ff.blame(err, f, func(one acctmap.Filter) error {
					_, err := s.actor.PreviewPopulation(ctx, ds.ID, one, 0)
					return err
				})
			}
			pv, err := s.actor.PreviewPopulation(ctx, ds.ID, pop.Filter, 0)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Created population %q (%s) of source %q: %s (%s).\n", pop.Name, pop.Kind, ds.Name,
				plural(int64(pv.Count), "record", "records"), filterText(pop.Filter))
			return nil
		}),
	}
	add.Flags().StringVar(&source, "source", "", "the source (default: the org's only one)")
	add.Flags().StringVar(&partnerName, "partner", "", "define it over this offline partner's data")
	add.Flags().StringVar(&description, "description", "", "a description")
	add.Flags().Var(kind, "kind", "customers, prospects, open_opportunities or custom (default: from the name)")
	ff.add(add, "the source's fields")

	var listPartner string
	list := &cobra.Command{
		Use:   "list",
		Short: "List your populations: filter, records, sharing",
		Example: `  acctmap population list
  acctmap population list --partner "Cobalt Consulting"`,
		Args: exactArgs(0),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, _ []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			orgID, _, err := s.dataOrg(ctx, listPartner)
			if err != nil {
				return err
			}
			pops, err := s.actor.Populations(ctx, orgID)
			if err != nil {
				return err
			}
			sources, err := s.actor.DataSources(ctx, orgID)
			if err != nil {
				return err
			}
			srcName := map[string]string{}
			for _, ds := range sources {
				srcName[ds.ID] = ds.Name
			}
			t := &table{header: []string{"POPULATION", "KIND", "SOURCE", "RECORDS", "FILTER", "SHARED"}, right: []bool{false, false, false, true}, maxCell: 100}
			for _, p := range pops {
				pv, err := s.actor.PreviewPopulation(ctx, p.DataSourceID, p.Filter, 0)
				if err != nil {
					return err
				}
				shared := ""
				if orgID == "" {
					shared = s.sharingText(ctx, p.Sharing)
				}
				t.add(p.Name, string(p.Kind), srcName[p.DataSourceID], count(int64(pv.Count)), filterText(p.Filter), shared)
			}
			if len(pops) == 0 {
				fmt.Fprintln(a.stdout, "No populations yet: define one with 'acctmap population add NAME --where EXPR'.")
				return nil
			}
			return t.write(a.stdout)
		}),
	}
	list.Flags().StringVar(&listPartner, "partner", "", "list this offline partner's populations")

	var pvSource, pvPartner string
	var pvFilter filterFlags
	limit := 10
	preview := &cobra.Command{
		Use:   "preview [NAME]",
		Short: "Show the records a population, or a filter, selects",
		Example: `  acctmap population preview Customers
  acctmap population preview --where 'Stage = Prospect' --where 'Industry = Software'
  acctmap population preview Customers --limit 50`,
		Args: rangeArgs(0, 1, "NAME"),
		RunE: a.action(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			f, err := pvFilter.filter(cmd)
			if err != nil {
				return err
			}
			if limit < 0 || limit > acctmap.MaxPreview {
				return usagef(cmd, "--limit %d: want 0 to %d", limit, acctmap.MaxPreview)
			}
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			orgID, orgName, err := s.dataOrg(ctx, pvPartner)
			if err != nil {
				return err
			}
			flagFilter := f
			dsID := ""
			if len(args) == 1 {
				pop, err := s.resolvePopulation(ctx, orgID, orgName, args[0])
				if err != nil {
					return err
				}
				dsID = pop.DataSourceID
				f.All = append(append([]acctmap.Condition(nil), pop.Filter.All...), f.All...)
				f.AnyOf = append(append([][]acctmap.Condition(nil), pop.Filter.AnyOf...), f.AnyOf...)
			}
			if dsID == "" || pvSource != "" {
				ds, err := s.resolveSource(ctx, orgID, orgName, pvSource)
				if err != nil {
					return err
				}
				if dsID != "" && ds.ID != dsID {
					return failf("population %q is over another source than %q", args[0], ds.Name)
				}
				dsID = ds.ID
			}
			ds, err := s.actor.DataSource(ctx, dsID)
			if err != nil {
				return err
			}
			pv, err := s.actor.PreviewPopulation(ctx, dsID, f, limit)
			if err != nil {
				return pvFilter.blame(err, flagFilter, func(one acctmap.Filter) error {
					_, err := s.actor.PreviewPopulation(ctx, dsID, one, 0)
					return err
				})
			}
			fmt.Fprintf(a.stdout, "%s of source %q match %s", plural(int64(pv.Count), "record", "records"), ds.Name, filterText(f))
			if len(pv.Records) < pv.Count {
				fmt.Fprintf(a.stdout, "; the first %d", len(pv.Records))
			}
			fmt.Fprintln(a.stdout, ":")
			if len(pv.Records) == 0 {
				return nil
			}
			fmt.Fprintln(a.stdout)
			t := &table{header: append([]string{"ID", "NAME", "WEBSITE"}, ds.Fields...)}
			for _, r := range pv.Records {
				row := []string{r.ID, r.Name, r.Website}
				for _, fld := range ds.Fields {
					row = append(row, r.Fields[fld])
				}
				t.add(row...)
			}
			return t.write(a.stdout)
		}),
	}
	preview.Flags().StringVar(&pvSource, "source", "", "the source (default: the population's, or the org's only one)")
	preview.Flags().StringVar(&pvPartner, "partner", "", "preview this offline partner's data")
	preview.Flags().IntVar(&limit, "limit", limit, "records to show")
	pvFilter.add(preview, "the source's fields")

	var delPartner string
	del := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a population",
		Example: `  acctmap population delete "Big software"`,
		Args:    exactArgs(1, "NAME"),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, args []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			orgID, orgName, err := s.dataOrg(ctx, delPartner)
			if err != nil {
				return err
			}
			pop, err := s.resolvePopulation(ctx, orgID, orgName, args[0])
			if err != nil {
				return err
			}
			if err := s.actor.DeletePopulation(ctx, pop.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Deleted population %q.\n", pop.Name)
			return nil
		}),
	}
	del.Flags().StringVar(&delPartner, "partner", "", "delete this offline partner's population")

	return group(&cobra.Command{
		Use:   "population",
		Short: "Populations: segments of your data, by filters",
		Example: `  acctmap population add Customers --where 'Stage = Customer'
  acctmap population list
  acctmap population preview Customers`,
	}, add, list, preview, del)
}

// sharingText says what a population shares: the default, then the rules
// for each partner.
func (s *session) sharingText(ctx context.Context, sh acctmap.Sharing) string {
	parts := []string{"default: counts"}
	if sh.Default != nil {
		parts[0] = "default: " + ruleText(*sh.Default)
	}
	ids := make([]string, 0, len(sh.Partners))
	for id := range sh.Partners {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		parts = append(parts, s.orgName(ctx, id)+": "+ruleText(sh.Partners[id]))
	}
	return strings.Join(parts, "; ")
}

func ruleText(r acctmap.SharingRule) string {
	t := levelName(r.Level)
	switch {
	case r.Preset != "":
		t += " (preset " + r.Preset + ")"
	case len(r.Fields) > 0:
		t += " (" + strings.Join(r.Fields, ", ") + ")"
	}
	return t
}

// levelName is the command line's word for a share level.
func levelName(l acctmap.ShareLevel) string {
	switch l {
	case acctmap.OverlappingRecords:
		return "overlapping"
	case acctmap.FullPopulation:
		return "full"
	}
	return string(l)
}

var levels = map[string]acctmap.ShareLevel{
	"hidden": acctmap.Hidden, "counts": acctmap.CountsOnly, "overlapping": acctmap.OverlappingRecords, "full": acctmap.FullPopulation,
	"counts_only": acctmap.CountsOnly, "overlapping_records": acctmap.OverlappingRecords, "full_population": acctmap.FullPopulation,
}
