package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acctmap/acctmap"
)

// newOrg creates an org and its admin, the embedding application's part.
func (a *app) newOrg(ctx context.Context, ws *workspace, cmd *cobra.Command, name, id, userID, userName string) (acctmap.Org, acctmap.User, error) {
	if strings.TrimSpace(name) == "" {
		return acctmap.Org{}, acctmap.User{}, usagef(cmd, "missing --org NAME")
	}
	if userID == "" {
		return acctmap.Org{}, acctmap.User{}, usagef(cmd, "missing --user ID: the org's first admin")
	}
	if id == "" {
		id = slug(name)
	}
	if _, err := ws.net.As(userID).Me(ctx); err == nil {
		return acctmap.Org{}, acctmap.User{}, failf("user %.40q exists already: choose another id for the new org's admin", userID)
	}
	org, err := ws.net.CreateOrg(ctx, acctmap.Org{ID: id, Name: name})
	if err != nil {
		return acctmap.Org{}, acctmap.User{}, err
	}
	u, err := ws.net.AddUser(ctx, acctmap.User{ID: userID, OrgID: org.ID, Name: firstNonEmpty(userName, userID), Role: acctmap.RoleAdmin})
	if err != nil {
		// An org without an admin is of no use to the command line.
		_ = ws.net.DeleteOrg(context.WithoutCancel(ctx), org.ID)
		return acctmap.Org{}, acctmap.User{}, err
	}
	return org, u, nil
}

func (a *app) initCmd() *cobra.Command {
	var org, id, user, userName string
	c := &cobra.Command{
		Use:   "init --org NAME --user ID",
		Short: "Create the workspace with your org and its admin, and act as that admin",
		Long: `init creates the workspace (if it does not exist), an org and its first user, an
admin, and makes that user the current user of the workspace. The org's id is
made from its name ("Acme Analytics" → acme-analytics) unless --id says
otherwise; partners name your org by either.`,
		Example: `  acctmap init --org "Acme Analytics" --user ann
  acctmap init --org "Acme Analytics" --id acme --user ann --user-name "Ann Lee"
  acctmap init --workspace demo.db --org Acme --user ann`,
		Args: exactArgs(0),
		RunE: a.action(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			ws, err := a.open(ctx, true)
			if err != nil {
				return err
			}
			o, u, err := a.newOrg(ctx, ws, cmd, org, id, user, userName)
			if err != nil {
				return err
			}
			if err := ws.writeState(u.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Created org %s (id %s) with admin %s in %s; you are now %s.\n", o.Name, o.ID, u.ID, ws.name, u.ID)
			fmt.Fprintln(a.stdout, "Next: import your accounts with 'acctmap import FILE'.")
			return nil
		}),
	}
	c.Flags().StringVar(&org, "org", "", "your org's name (required)")
	c.Flags().StringVar(&id, "id", "", "the org's id (default: made from its name)")
	c.Flags().StringVar(&user, "user", "", "the id of the org's first admin, e.g. ann (required)")
	c.Flags().StringVar(&userName, "user-name", "", "the admin's display name (default: the id)")
	return c
}

func (a *app) useCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "use USER",
		Short: "Make USER the current user of the workspace",
		Example: `  acctmap use bob        # act as bob from now on
  acctmap matrix acme --as bob   # or for one command only`,
		Args: exactArgs(1, "USER"),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, args []string) error {
			a.as = args[0]
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			if err := s.ws.writeState(s.user.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "You are now %s (%s) of %s.\n", s.user.ID, s.user.Role, s.org.Name)
			return nil
		}),
	}
}

func (a *app) whoamiCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "whoami",
		Short:   "Show the current user and org",
		Example: `  acctmap whoami`,
		Args:    exactArgs(0),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, _ []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			role := string(s.user.Role)
			if s.user.Role == acctmap.RolePartnerManager {
				role += " (" + s.user.Permissions.String() + ")"
			}
			fmt.Fprintf(a.stdout, "%s, %s of %s (org id %s), in %s\n", s.user.ID, role, s.org.Name, s.org.ID, s.ws.name)
			return nil
		}),
	}
}

func (a *app) orgCmd() *cobra.Command {
	var id, admin, adminName string
	add := &cobra.Command{
		Use:   "add NAME --admin ID",
		Short: "Add another org to the workspace, with its first admin",
		Long: `org add creates another org on the network of this workspace, with an admin
user. Use it to try a partnership between two local orgs; the current user does
not change (act as the new admin with --as ID or 'acctmap use ID').`,
		Example: `  acctmap org add "Bolt Warehouse" --admin bob
  acctmap partner invite bolt-warehouse
  acctmap partner accept acme-analytics --as bob`,
		Args: exactArgs(1, "NAME"),
		RunE: a.action(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			ws, err := a.open(ctx, false)
			if err != nil {
				return err
			}
			o, u, err := a.newOrg(ctx, ws, cmd, args[0], id, admin, adminName)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Created org %s (id %s) with admin %s.\n", o.Name, o.ID, u.ID)
			return nil
		}),
	}
	add.Flags().StringVar(&id, "id", "", "the org's id (default: made from its name)")
	add.Flags().StringVar(&admin, "admin", "", "the id of the org's first admin (required)")
	add.Flags().StringVar(&adminName, "admin-name", "", "the admin's display name (default: the id)")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List the orgs of the workspace",
		Example: `  acctmap org list`,
		Args:    exactArgs(0),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, _ []string) error {
			ws, err := a.open(ctx, false)
			if err != nil {
				return err
			}
			orgs, err := ws.networkOrgs(ctx)
			if err != nil {
				return err
			}
			current := ""
			if s, err := a.me(ctx); err == nil {
				current = s.org.ID
			}
			t := &table{header: []string{"ID", "NAME", ""}}
			for _, o := range orgs {
				mark := ""
				if o.ID == current {
					mark = "(you)"
				}
				t.add(o.ID, o.Name, mark)
			}
			return t.write(a.stdout)
		}),
	}
	return group(&cobra.Command{
		Use:   "org",
		Short: "Orgs of the workspace",
		Example: `  acctmap org add "Bolt Warehouse" --admin bob
  acctmap org list`,
	}, add, list)
}

var permNames = map[string]acctmap.Permission{
	"data":     acctmap.ManageDataSources,
	"partners": acctmap.ManagePartnerships,
	"sharing":  acctmap.ManageSharing,
	"export":   acctmap.ExportRecords,
	"all":      acctmap.AllPermissions,
}

func (a *app) userCmd() *cobra.Command {
	var name, email string
	role := newChoice("partner_manager", "admin", "partner_manager", "read_only")
	var perms []string
	add := &cobra.Command{
		Use:   "add ID",
		Short: "Add a user to your org (admins only)",
		Long: `user add adds a user to the current user's org. Roles: admin (everything),
partner_manager (what --permissions allow: data, partners, sharing, export, or
all), read_only (reads data, matrices and reports; changes and exports nothing).`,
		Example: `  acctmap user add dana --name "Dana Reyes" --role partner_manager --permissions partners,sharing
  acctmap user add sam --role read_only`,
		Args: exactArgs(1, "ID"),
		RunE: a.action(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			var p acctmap.Permission
			for _, n := range perms {
				v, ok := permNames[strings.ToLower(strings.TrimSpace(n))]
				if !ok {
					return usagef(cmd, "unknown permission %.40q: want data, partners, sharing, export or all", n)
				}
				p |= v
			}
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			if s.user.Role != acctmap.RoleAdmin {
				return failf("not allowed: only an admin of %s adds users, and %s is %s", s.org.Name, s.user.ID, s.user.Role)
			}
			u, err := s.ws.net.AddUser(ctx, acctmap.User{ID: args[0], OrgID: s.org.ID, Name: firstNonEmpty(name, args[0]), Email: email,
				Role: acctmap.Role(role.value), Permissions: p})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Added %s (%s) to %s.\n", u.ID, u.Role, s.org.Name)
			return nil
		}),
	}
	add.Flags().StringVar(&name, "name", "", "display name (default: the id)")
	add.Flags().StringVar(&email, "email", "", "e-mail address")
	add.Flags().Var(role, "role", "role")
	add.Flags().StringSliceVar(&perms, "permissions", nil, "a partner manager's permissions: data, partners, sharing, export, all")

	list := &cobra.Command{
		Use:     "list",
		Short:   "List the users of your org",
		Example: `  acctmap user list`,
		Args:    exactArgs(0),
		RunE: a.action(func(ctx context.Context, _ *cobra.Command, _ []string) error {
			s, err := a.me(ctx)
			if err != nil {
				return err
			}
			users, err := s.actor.Users(ctx)
			if err != nil {
				return err
			}
			t := &table{header: []string{"ID", "NAME", "ROLE", "PERMISSIONS", ""}}
			for _, u := range users {
				perm := ""
				if u.Role == acctmap.RolePartnerManager {
					perm = u.Permissions.String()
				}
				mark := ""
				if u.ID == s.user.ID {
					mark = "(you)"
				}
				t.add(u.ID, u.Name, string(u.Role), perm, mark)
			}
			return t.write(a.stdout)
		}),
	}
	return group(&cobra.Command{
		Use:     "user",
		Short:   "Users of your org",
		Example: `  acctmap user add dana --role partner_manager --permissions partners,sharing`,
	}, add, list)
}
