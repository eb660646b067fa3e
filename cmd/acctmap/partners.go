package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctmap/acctmap"
)

func (a *app) partnerCmd() *cobra.Command {
	// A partnership verb on a network org: invite, accept, decline, cancel, revoke.
	verb := func(use, short, example string, call func(*acctmap.Actor, context.Context, string) (acctmap.Partnership, error), done string) *cobra.Command {
		return &cobra.Command{
			Use:     use + " ORG",
			Short:   short,
			Example: example,
			Args:    exactArgs(1, "ORG"),
			RunE: a.action(func(ctx context.Context, _ *cobra.Command, args []string) error {
				s, err := a.me(ctx)
				if err != nil {
					return err
				}
				p, err := s.resolvePartner(ctx, args[0])
				if err != nil {
					return err
				}
				if p.Offline {
					return failf("%s is an offline partner: there is nothing to %s; map accounts with it directly", p.Name, use)
				}
				if _, err := call(s.actor, ctx, p.ID); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, done+"\n", p.Name)
				return nil
			}),
		}
	}
	invite := verb("invite", "Invite an org of the network to partner with yours",
		`  acctmap partner invite bolt-warehouse
  acctmap partner accept acme-analytics --as bob   # Bolt's admin accepts`,
		(*acctmap.Actor).Invite, "Invited %s. Nothing is shared until one of its admins accepts.")
	accept := verb("accept", "Accept an org's invite: you become partners, sharing counts only",
		`  acctmap partner accept acme-analytics --as bob`,
		(*acctmap.Actor).Accept, "You and %s are partners. Each side sees overlap counts only, until it shares more ('acctmap share').")
	decline := verb("decline", "Decline an org's invite", `  acctmap partner decline acme-analytics`,
		(*acctmap.Actor).Decline, "Declined the invite of %s.")
	cancel := verb("cancel", "Withdraw an invite you sent", `  acctmap partner cancel bolt-warehouse`,
		(*acctmap.Actor).CancelInvite, "Withdrew the invite to %s.")
	revoke := verb("revoke", "End a partnership: neither side sees the other from now on", `  acctmap partner revoke bolt-warehouse`,
		(*acctmap.Actor).Revoke, "Ended the partnership with %s; its sharing rules for you are back to counts only.")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List your partnerships, invites and offline partners",
		Example: `  acctmap partner list`,
		Args:    exactArgs(0),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, _ []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			ps, err := s.actor.Partnerships(ctx)
			if err != nil {
				return err
			}
			offline, err := s.actor.OfflinePartners(ctx)
			if err != nil {
				return err
			}
			t := &table{header: []string{"ORG", "NAME", "STATUS", "SINCE"}, maxCell: 100}
			for _, p := range ps {
				other := p.Other(s.org.ID)
				status := string(p.Status)
				if p.Status == acctmap.Pending {
					if p.Inviter == s.org.ID {
						status = "invited by you"
					} else {
						status = "invited you: 'acctmap partner accept " + other + "'"
					}
				}
				t.add(other, s.orgName(ctx, other), status, p.UpdatedAt.Format("2006-01-02"))
			}
			for _, o := range offline {
				t.add(o.ID, o.Name, "offline partner", o.CreatedAt.Format("2006-01-02"))
			}
			if len(t.rows) == 0 {
				fmt.Fprintln(a.stdout, "No partners yet: invite an org with 'acctmap partner invite ORG', or add one you upload data for with 'acctmap partner add-offline NAME'.")
				return nil
			}
			return t.write(a.stdout)
		}),
	}

	addOffline := &cobra.Command{
		Use:   "add-offline NAME",
		Short: "Add an offline partner: one not on the network, whose CSV you upload yourself",
		Long: `add-offline creates an offline partner: an org with no users, whose account
list you import with 'acctmap import FILE --partner NAME'. Nobody but your org
ever sees its data.`,
		Example: `  acctmap partner add-offline "Cobalt Consulting"
  acctmap import cobalt.csv --partner "Cobalt Consulting" --yes
  acctmap population add Customers --partner "Cobalt Consulting" --where 'Status = Customer'
  acctmap matrix "Cobalt Consulting"`,
		Args: exactArgs(1, "NAME"),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, args []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			o, err := s.actor.CreateOfflinePartner(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Added offline partner %s (id %s). Import its accounts with 'acctmap import FILE --partner %q'.\n", o.Name, o.ID, o.Name)
			return nil
		}),
	}
	removeOffline := &cobra.Command{
		Use:     "remove-offline NAME",
		Short:   "Delete an offline partner with its data",
		Example: `  acctmap partner remove-offline "Cobalt Consulting"`,
		Args:    exactArgs(1, "NAME"),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, args []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			p, err := s.resolvePartner(ctx, args[0])
			if err != nil {
				return err
			}
			if !p.Offline {
				return failf("%s is a network org, not an offline partner: end a partnership with 'acctmap partner revoke %s'", p.Name, p.ID)
			}
			if err := s.actor.DeleteOfflinePartner(ctx, p.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Deleted offline partner %s and its data.\n", p.Name)
			return nil
		}),
	}
	populations := &cobra.Command{
		Use:     "populations PARTNER",
		Short:   "List the partner's populations you see, and what it shares of each",
		Example: `  acctmap partner populations bolt-warehouse`,
		Args:    exactArgs(1, "PARTNER"),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, args []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			p, err := s.resolvePartner(ctx, args[0])
			if err != nil {
				return err
			}
			pops, err := s.actor.PartnerPopulations(ctx, p.ID)
			if err != nil {
				return err
			}
			t := &table{header: []string{"POPULATION", "KIND", "SHARED WITH YOU", "FIELDS"}}
			for _, q := range pops {
				t.add(q.Name, string(q.Kind), levelName(q.Level), strings.Join(q.Fields, ", "))
			}
			return t.write(a.stdout)
		}),
	}
	return group(&cobra.Command{
		Use:   "partner",
		Short: "Partnerships: invite, accept, list; offline partners",
		Example: `  acctmap partner invite bolt-warehouse
  acctmap partner accept acme-analytics --as bob
  acctmap partner list
  acctmap partner add-offline "Cobalt Consulting"`,
	}, invite, accept, decline, cancel, revoke, list, addOffline, removeOffline, populations)
}
