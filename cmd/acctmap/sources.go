package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctmap/acctmap"
)

func (a *app) sourceCmd() *cobra.Command {
	var listPartner string
	list := &cobra.Command{
		Use:   "list",
		Short: "List your sources (imported CSVs) and their fields",
		Example: `  acctmap source list
  acctmap source list --partner "Cobalt Consulting"`,
		Args: exactArgs(0),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, _ []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			orgID, orgName, err := s.dataOrg(ctx, listPartner)
			if err != nil {
				return err
			}
			sources, err := s.actor.DataSources(ctx, orgID)
			if err != nil {
				return err
			}
			if len(sources) == 0 {
				fmt.Fprintf(a.stdout, "%s has no sources yet: import a CSV with 'acctmap import FILE'.\n", orgName)
				return nil
			}
			t := &table{header: []string{"SOURCE", "KIND", "RECORDS", "UPDATED", "FIELDS"}, right: []bool{false, false, true}, maxCell: 80}
			for _, ds := range sources {
				pv, err := s.actor.PreviewPopulation(ctx, ds.ID, acctmap.Filter{}, 0)
				if err != nil {
					return err
				}
				t.add(ds.Name, string(ds.Kind), count(int64(pv.Count)), ds.UpdatedAt.Format("2006-01-02 15:04"), strings.Join(ds.Fields, ", "))
			}
			return t.write(a.stdout)
		}),
	}
	list.Flags().StringVar(&listPartner, "partner", "", "list this offline partner's sources")

	var delPartner string
	del := &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a source with its records and populations",
		Example: `  acctmap source delete old-export.csv`,
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
			ds, err := s.resolveSource(ctx, orgID, orgName, args[0])
			if err != nil {
				return err
			}
			if err := s.actor.DeleteDataSource(ctx, ds.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Deleted source %q with its records and populations.\n", ds.Name)
			return nil
		}),
	}
	del.Flags().StringVar(&delPartner, "partner", "", "delete this offline partner's source")
	var privPartner string
	var undo bool
	private := &cobra.Command{
		Use:   "private SOURCE RECORD-ID…",
		Short: "Mark records private: partners never see them, nor count them",
		Long: `source private marks records of a source private: they never appear in anything
a partner sees, nor in its counts; you still see your own matches on them, noted
as hidden from the partner in the matrix. The mark survives re-imports of the
same record ids. --undo makes them public again.`,
		Example: `  acctmap source private ours.csv A-001 A-007
  acctmap source private ours.csv A-007 --undo`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return exactArgs(2, "SOURCE", "RECORD-ID")(cmd, args)
			}
			return nil
		},
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, args []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			orgID, orgName, err := s.dataOrg(ctx, privPartner)
			if err != nil {
				return err
			}
			ds, err := s.resolveSource(ctx, orgID, orgName, args[0])
			if err != nil {
				return err
			}
			n, err := s.actor.SetPrivate(ctx, ds.ID, args[1:], !undo)
			if err != nil {
				return err
			}
			state := "private"
			if undo {
				state = "public"
			}
			already := ""
			if k := len(args) - 1 - n; k > 0 {
				already = fmt.Sprintf(" (%d already %s)", k, map[bool]string{true: "was", false: "were"}[k == 1])
			}
			fmt.Fprintf(a.stdout, "%s of source %q made %s%s.\n", plural(int64(n), "record", "records"), ds.Name, state, already)
			return nil
		}),
	}
	private.Flags().StringVar(&privPartner, "partner", "", "an offline partner's source")
	private.Flags().BoolVar(&undo, "undo", false, "make the records public again")

	return group(&cobra.Command{
		Use:     "source",
		Short:   "Sources: the CSV imports of your org and offline partners",
		Example: `  acctmap source list`,
	}, list, del, private)
}

func whereHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "where",
		Short: "The filter expressions of --where and --any",
		Long: `--where takes one condition: a field, an operator and, for most operators, a
value. Repeated --where flags must all hold (AND). --any takes conditions
separated by "or", of which one must hold; each --any is one such group.

  Stage = Customer                    equal, ignoring case
  Account Owner != "Dana Reyes"       not equal
  Industry contains soft              contains, ignoring case
  Website starts with https           starts with, ignoring case
  Region in (EU, "North America")     one of the list
  Region not in (APAC)                none of the list
  Employees > 1000                    greater than: numbers, or ISO dates (2024-12-31)
  Close Date < 2025-01-01             less than
  Notes is empty                      empty or missing
  Notes is not empty

  --any 'Stage = Customer or Stage = Prospect'

Operator words are matched in any case. The field is the text before the first
operator, so "Account Owner = Dana" needs no quotes; a field that holds an
operator word or symbol is quoted: "Sign in (UTC)" > 2024-01-01. The value is
the rest of the condition, trimmed: "Stage = Open Opportunity" needs no quotes.
Quote a value ("…" or '…', a quote written twice inside) to keep spaces around
it, to start it with a quote, or, in --any, when it holds the word "or". List
items are separated by commas; quote an item holding a comma or ")".

Fields are the source's columns and the built-in name, website and id; in a
report, the report's columns (my.<field>, partner.<field>, match.confidence…).
An expression that does not parse is a usage error (exit 2) naming the
position, counted in characters from 1.

In a shell, put each expression in single quotes.`,
		Example: `  acctmap population add Customers --where 'Stage = Customer'
  acctmap population add "Big software" --where 'Industry = Software' --where 'Employees > 1000'
  acctmap report bolt --population Customers --partner-population Customers --where 'match.confidence > 60'`,
	}
}
