package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctmap/acctmap"
)

const levelHelp = "hidden, counts, overlapping (the records that overlap) or full (every record)"

type shareOpts struct {
	with      string
	toDefault bool
	level     *choice
	fields    []string
	preset    string
	remove    bool
}

func (a *app) shareCmd() *cobra.Command {
	o := &shareOpts{level: newChoice("", "hidden", "counts", "overlapping", "full")}
	long := `share sets what your org reveals of one of its populations: to one partner
(--with ORG) or to every partner without a rule of its own (--default).
Levels: hidden (not even its name), counts (its name and overlap counts; what
partners see by default), overlapping (the chosen fields of the records that
overlap with the partner), full (the chosen fields of every record). Company
name, website and id are shared only when listed in --fields, like any field.
It applies from the partner's very next read.`
	example := `  acctmap share Customers --with bolt-warehouse --level overlapping --fields name,website,"Account Owner"
  acctmap share Prospects --default --level hidden
  acctmap share Customers --with bolt-warehouse --remove      # back to the default
  acctmap share requests
  acctmap share approve req_0123abcd`
	run := a.action(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		return a.runShare(ctx, cmd, args[0], o)
	})
	set := &cobra.Command{
		Use:     "set POPULATION (--with ORG | --default) --level LEVEL",
		Short:   "Set a sharing rule (the same as 'acctmap share POPULATION …')",
		Long:    long,
		Example: strings.ReplaceAll(example, "acctmap share C", "acctmap share set C"),
		Args:    exactArgs(1, "POPULATION"),
		RunE:    run,
	}
	c := &cobra.Command{
		Use:     "share POPULATION (--with ORG | --default) --level LEVEL [--fields F,…]",
		Short:   "Sharing rules: what partners see of a population; share requests",
		Long:    long + "\n\nA population named like a subcommand (requests, request, approve, decline, set)\nis shared with 'acctmap share set NAME …'.",
		Example: example,
		Args: func(cmd *cobra.Command, args []string) error {
			return exactArgs(1, "POPULATION (or a subcommand: requests, request, approve, decline)")(cmd, args)
		},
		RunE: run,
	}
	for _, cmd := range []*cobra.Command{c, set} {
		f := cmd.Flags()
		f.StringVar(&o.with, "with", "", "the partner the rule is for")
		f.BoolVar(&o.toDefault, "default", false, "the rule for every partner without its own")
		f.Var(o.level, "level", levelHelp)
		f.StringSliceVar(&o.fields, "fields", nil, "fields shared at overlapping and full: name, website, id and the source's columns")
		f.StringVar(&o.preset, "preset", "", "share the fields of this field preset instead of --fields")
		f.BoolVar(&o.remove, "remove", false, "remove the rule: the partner falls back to the default (the default to counts)")
	}
	c.AddCommand(set, a.shareRequestsCmd(), a.shareRequestCmd(), a.shareDecideCmd(true), a.shareDecideCmd(false))
	return c
}

func (a *app) runShare(ctx context.Context, cmd *cobra.Command, popArg string, o *shareOpts) error {
	if (o.with == "") == !o.toDefault {
		return usagef(cmd, "say who the rule is for: --with ORG or --default")
	}
	if o.remove && (o.level.value != "" || len(o.fields) > 0 || o.preset != "") {
		return usagef(cmd, "--remove takes no --level, --fields or --preset")
	}
	if !o.remove && o.level.value == "" {
		return usagef(cmd, "missing --level: %s", levelHelp)
	}
	level := levels[o.level.value]
	if (level == acctmap.Hidden || level == acctmap.CountsOnly) && (len(o.fields) > 0 || o.preset != "") {
		return usagef(cmd, "--level %s shares no fields: drop --fields and --preset, or share at overlapping or full", o.level.value)
	}
	s, err := a.me(ctx)
	if err != nil {
		return err
	}
	pop, err := s.resolvePopulation(ctx, "", s.org.Name, popArg)
	if err != nil {
		return err
	}
	partnerID, who := "", "every partner without a rule of its own"
	if o.with != "" {
		p, err := s.resolvePartner(ctx, o.with)
		if err != nil {
			return err
		}
		if p.Offline {
			return failf("%s is an offline partner: it never sees your data, there is nothing to share with it", p.Name)
		}
		partnerID, who = p.ID, p.Name
	}
	if o.remove {
		if err := s.actor.RemoveShareRule(ctx, pop.ID, partnerID); err != nil {
			return err
		}
		if partnerID == "" {
			fmt.Fprintf(a.stdout, "Removed the default rule of %q: partners without a rule of their own see counts only.\n", pop.Name)
		} else {
			fmt.Fprintf(a.stdout, "Removed the rule of %q for %s: the default applies to it.\n", pop.Name, who)
		}
		return nil
	}
	rule := acctmap.SharingRule{Level: level, Fields: nonEmpty(o.fields), Preset: o.preset}
	if err := s.actor.SetShareRule(ctx, pop.ID, partnerID, rule); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: %s now sees %s.\n", pop.Name, capitalize(who), levelSentence(rule))
	return nil
}

func levelSentence(r acctmap.SharingRule) string {
	fields := "no fields"
	switch {
	case r.Preset != "":
		fields = "the fields of preset " + r.Preset
	case len(r.Fields) > 0:
		fields = strings.Join(r.Fields, ", ")
	}
	switch r.Level {
	case acctmap.Hidden:
		return "nothing of it, not even its name"
	case acctmap.CountsOnly:
		return "its name and overlap counts"
	case acctmap.OverlappingRecords:
		return "the overlapping records, with " + fields
	default:
		return "every record, with " + fields
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// acceptedPartners lists the network orgs the session's org is partners with.
func (s *session) acceptedPartners(ctx context.Context) ([]partner, error) {
	ps, err := s.actor.Partnerships(ctx)
	if err != nil {
		return nil, err
	}
	var out []partner
	for _, p := range ps {
		if p.Status == acctmap.Accepted {
			id := p.Other(s.org.ID)
			out = append(out, partner{ID: id, Name: s.orgName(ctx, id)})
		}
	}
	return out, nil
}

func (a *app) shareRequestsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "requests [PARTNER]",
		Short: "List share requests, made by you and of you",
		Example: `  acctmap share requests
  acctmap share requests bolt-warehouse`,
		Args: rangeArgs(0, 1, "PARTNER"),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, args []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			var partners []partner
			if len(args) == 1 {
				p, err := s.resolvePartner(ctx, args[0])
				if err != nil {
					return err
				}
				partners = []partner{p}
			} else if partners, err = s.acceptedPartners(ctx); err != nil {
				return err
			}
			mine, err := s.actor.Populations(ctx, "")
			if err != nil {
				return err
			}
			t := &table{header: []string{"ID", "FROM", "TO", "POPULATION", "LEVEL", "FIELDS", "STATUS", "MESSAGE"}, maxCell: 60}
			for _, p := range partners {
				reqs, err := s.actor.ShareRequests(ctx, p.ID)
				if err != nil {
					return err
				}
				theirs, err := s.actor.PartnerPopulations(ctx, p.ID)
				if err != nil {
					return err
				}
				names := map[string]string{}
				for _, q := range mine {
					names[q.ID] = q.Name
				}
				for _, q := range theirs {
					names[q.ID] = q.Name
				}
				for _, r := range reqs {
					status := string(r.Status)
					if r.Status == acctmap.RequestPending && r.To == s.org.ID {
						status = "pending: 'acctmap share approve " + r.ID + "'"
					}
					t.add(r.ID, s.orgName(ctx, r.From), s.orgName(ctx, r.To), firstNonEmpty(names[r.PopulationID], r.PopulationID),
						levelName(r.Level), strings.Join(r.Fields, ", "), status, r.Message)
				}
			}
			if len(t.rows) == 0 {
				fmt.Fprintln(a.stdout, "No share requests.")
				return nil
			}
			return t.write(a.stdout)
		}),
	}
}

func (a *app) shareRequestCmd() *cobra.Command {
	var popArg, message string
	var fields []string
	level := newChoice("overlapping", "overlapping", "full")
	c := &cobra.Command{
		Use:   "request PARTNER --population NAME [--level overlapping|full] --fields F,…",
		Short: "Ask a partner to share one of its populations at record level",
		Example: `  acctmap share request bolt-warehouse --population Customers --fields name,CSM --message "for the Q3 co-sell"
  acctmap share request bolt-warehouse --population Prospects --level full --fields name,website`,
		Args: exactArgs(1, "PARTNER"),
		RunE: a.action(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if popArg == "" {
				return usagef(cmd, "missing --population: the partner's population you ask for")
			}
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			p, err := s.resolvePartner(ctx, args[0])
			if err != nil {
				return err
			}
			q, err := s.resolvePartnerPopulation(ctx, p, popArg)
			if err != nil {
				return err
			}
			r, err := s.actor.RequestShare(ctx, p.ID, q.ID, levels[level.value], nonEmpty(fields), message)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Asked %s to share %q (%s, %s); request %s. Its admins see it in 'acctmap share requests'.\n",
				p.Name, q.Name, levelName(r.Level), strings.Join(r.Fields, ", "), r.ID)
			return nil
		}),
	}
	c.Flags().StringVar(&popArg, "population", "", "the partner's population")
	c.Flags().Var(level, "level", "overlapping or full")
	c.Flags().StringSliceVar(&fields, "fields", nil, "the fields you ask for")
	c.Flags().StringVar(&message, "message", "", "a note for the partner")
	return c
}

func (a *app) shareDecideCmd(approve bool) *cobra.Command {
	verb, done := "decline", "Declined"
	if approve {
		verb, done = "approve", "Approved"
	}
	var partnerArg string
	c := &cobra.Command{
		Use:     verb + " REQUEST",
		Short:   capitalize(verb) + " a partner's share request",
		Example: fmt.Sprintf("  acctmap share requests\n  acctmap share %s req_0123abcd", verb),
		Args:    exactArgs(1, "REQUEST (its id, from 'acctmap share requests')"),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, args []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			var partners []partner
			if partnerArg != "" {
				p, err := s.resolvePartner(ctx, partnerArg)
				if err != nil {
					return err
				}
				partners = []partner{p}
			} else if partners, err = s.acceptedPartners(ctx); err != nil {
				return err
			}
			for _, p := range partners {
				reqs, err := s.actor.ShareRequests(ctx, p.ID)
				if err != nil {
					return err
				}
				for _, r := range reqs {
					if r.ID != args[0] {
						continue
					}
					call := s.actor.DeclineShareRequest
					if approve {
						call = s.actor.ApproveShareRequest
					}
					r, err := call(ctx, p.ID, r.ID)
					if err != nil {
						return err
					}
					pop, _ := s.actor.Population(ctx, r.PopulationID)
					fmt.Fprintf(a.stdout, "%s the request of %s for %q (%s, %s).\n", done, p.Name, firstNonEmpty(pop.Name, r.PopulationID),
						levelName(r.Level), strings.Join(r.Fields, ", "))
					return nil
				}
			}
			return failf("no share request %.40q between your org and a partner; see 'acctmap share requests'", args[0])
		}),
	}
	c.Flags().StringVar(&partnerArg, "partner", "", "the partner that made the request (default: look among all)")
	return c
}
