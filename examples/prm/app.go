package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/acctmap/acctmap"
)

var (
	//go:embed templates/*.html
	templateFS embed.FS
	//go:embed static
	staticFS embed.FS
)

// App is the PRM web application: pages and a JSON API over one
// acctmap.Network. It keeps no data of its own beyond its user directory:
// every page and answer is computed by the library's calls, made as the
// signed-in user, on the request that shows it.
type App struct {
	net   *acctmap.Network
	orgs  []appOrg
	users []appUser
	// key signs session cookies (HMAC-SHA256).
	key     []byte
	now     func() time.Time
	pages   map[string]*template.Template
	uploads *uploads
	origin  *http.CrossOriginProtection
	logf    func(format string, args ...any)
}

// newApp returns the app over net, with its user directory and the key
// that signs sessions (at least 32 bytes).
func newApp(net *acctmap.Network, key []byte, logf func(string, ...any)) (*App, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("session key of %d bytes: at least 32 needed", len(key))
	}
	orgs, users := directory()
	a := &App{net: net, orgs: orgs, users: users, key: key, now: time.Now,
		uploads: newUploads(), origin: http.NewCrossOriginProtection(), logf: logf}
	if err := a.parseTemplates(); err != nil {
		return nil, err
	}
	return a, nil
}

// request is one request's view of its user: the Actor built for it from
// the session, and who the library says the user is. It is made afresh on
// every request and never kept: a role changed or a user removed applies
// on the very next request.
type request struct {
	actor *acctmap.Actor
	me    acctmap.User
	sess  session
}

// can tells whether the user's role allows p, to show or hide buttons.
// It is a hint for the page only: the library checks every call itself.
func (rq *request) can(p acctmap.Permission) bool {
	switch rq.me.Role {
	case acctmap.RoleAdmin:
		return true
	case acctmap.RolePartnerManager:
		return rq.me.Permissions.Has(p)
	}
	return false
}

// userRequest builds the request's Actor from its session: net.As(userID),
// per request. A session without a user, or whose user the network no
// longer knows, is unauthenticated.
func (a *App) userRequest(r *http.Request) (*request, error) {
	s := sessionFrom(r.Context())
	if s.UserID == "" {
		return nil, errUnauthenticated
	}
	actor := a.net.As(s.UserID)
	me, err := actor.Me(r.Context())
	if errors.Is(err, acctmap.ErrPermissionDenied) || errors.Is(err, acctmap.ErrNotFound) {
		return nil, errUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	return &request{actor: actor, me: me, sess: s}, nil
}

// Handler returns the app's routes, with sessions and security headers.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /signin", a.signinPage)
	a.form(mux, "POST /signin", false, a.signin)
	a.form(mux, "POST /signout", false, a.signout)

	a.page(mux, "GET /partners", a.partnersPage)
	a.action(mux, "POST /partners/{partner}/accept", a.acceptInvite)
	a.action(mux, "POST /partners/{partner}/decline", a.declineInvite)
	a.page(mux, "GET /partners/{partner}/matrix", a.matrixPage)
	a.page(mux, "GET /partners/{partner}/report", a.reportPage)
	a.form(mux, "POST /partners/{partner}/export", false, a.exportReport)
	a.action(mux, "POST /partners/{partner}/requests", a.requestShare)

	a.page(mux, "GET /sharing", a.sharingPage)
	a.action(mux, "POST /sharing/rule", a.setRule)
	a.action(mux, "POST /sharing/rule/remove", a.removeRule)
	a.action(mux, "POST /sharing/presets", a.savePreset)
	a.action(mux, "POST /sharing/presets/delete", a.deletePreset)

	a.page(mux, "GET /requests", a.requestsPage)
	a.action(mux, "POST /requests/{partner}/{id}/approve", a.approveRequest)
	a.action(mux, "POST /requests/{partner}/{id}/decline", a.declineRequest)

	a.action(mux, "POST /offline", a.createOffline)
	a.page(mux, "GET /offline/{partner}", a.offlinePage)
	a.form(mux, "POST /offline/{partner}/upload", true, a.upload)
	a.page(mux, "GET /offline/{partner}/mapping", a.mappingPage)
	a.form(mux, "POST /offline/{partner}/import", false, a.importUpload)
	a.action(mux, "POST /offline/{partner}/populations", a.addPopulation)

	a.apiRoutes(mux)
	return a.secure(a.withSession(mux))
}

// secure sets the headers every response carries. The pages use no script
// at all, and styles from /static only.
func (a *App) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store") // pages show partner data: no shared or back-button caches
		next.ServeHTTP(w, r)
	})
}

// maxFormBytes bounds the body of every form but the CSV upload.
const maxFormBytes = 1 << 20

// checkPost is what every state-changing request passes first: a bounded
// body, a same-origin request (net/http's CrossOriginProtection, from the
// Sec-Fetch-Site and Origin headers browsers send), and the session's
// CSRF token. upload allows a multipart body of maxUploadBytes.
func (a *App) checkPost(w http.ResponseWriter, r *http.Request, upload bool) error {
	limit := int64(maxFormBytes)
	if upload {
		limit = maxUploadBytes + maxFormBytes
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := a.origin.Check(r); err != nil {
		return fmt.Errorf("%w (%v)", errCSRF, err)
	}
	api := strings.HasPrefix(r.URL.Path, "/api/")
	if !api {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var err error
		if upload && ct == "multipart/form-data" {
			err = r.ParseMultipartForm(1 << 20) // larger parts go to temporary files
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
			}
			return fmt.Errorf("%w: %v", errBadRequest, err)
		}
	}
	if !checkCSRF(r, api) {
		return errCSRF
	}
	return nil
}

// page registers a page that needs a signed-in user.
func (a *App) page(mux *http.ServeMux, pattern string, fn func(http.ResponseWriter, *http.Request, *request) error) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rq, err := a.userRequest(r)
		if errors.Is(err, errUnauthenticated) {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		if err == nil {
			err = fn(w, r, rq)
		}
		if err != nil {
			a.errorPage(w, r, rq, err)
		}
	})
}

// action registers a form POST that needs a signed-in user and answers
// with a redirect (POST, redirect, GET), to the path fn returns.
func (a *App) action(mux *http.ServeMux, pattern string, fn func(*http.Request, *request) (string, error)) {
	a.form(mux, pattern, false, func(w http.ResponseWriter, r *http.Request) error {
		rq, err := a.userRequest(r)
		if err != nil {
			return err
		}
		to, err := fn(r, rq)
		if err != nil {
			a.errorPage(w, r, rq, err)
			return nil
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	})
}

// form registers a POST handler behind checkPost. Errors fn returns are
// shown as an error page (sign-in first, for an unauthenticated one).
func (a *App) form(mux *http.ServeMux, pattern string, upload bool, fn func(http.ResponseWriter, *http.Request) error) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		err := a.checkPost(w, r, upload)
		if err == nil {
			err = fn(w, r)
		}
		if errors.Is(err, errUnauthenticated) {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		if err != nil {
			rq, _ := a.userRequest(r)
			a.errorPage(w, r, rq, err)
		}
	})
}

// pageData is what every page template gets.
type pageData struct {
	Title   string
	Me      acctmap.User
	OrgName string
	CSRF    string
	Notice  string
	Can     struct{ Share, Partners, Data, Export bool }
	D       any // the page's own data
}

// notices are the messages a redirect after a form can ask for (?done=…):
// a fixed set, so that a link cannot put words on a page.
var notices = map[string]string{
	"requested":        "Request sent: the partner sees it under Share requests.",
	"accepted":         "Partnership accepted.",
	"declined":         "Invitation declined.",
	"rule_saved":       "Sharing rule saved: it applies on the partner's next page load.",
	"rule_removed":     "Rule removed: the partner falls back to the default.",
	"preset_saved":     "Field preset saved.",
	"preset_deleted":   "Field preset deleted.",
	"approved":         "Request approved: the sharing rule is in place.",
	"request_declined": "Request declined: nothing more is shared.",
	"population_added": "Population added.",
	"offline_created":  "Offline partner created: upload its CSV below.",
}

// render executes a page template into a buffer first, so that a template
// error is a clean 500 and not half a page.
func (a *App) render(w http.ResponseWriter, r *http.Request, rq *request, status int, name, title string, d any) error {
	t, ok := a.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	pd := pageData{Title: title, CSRF: sessionFrom(r.Context()).CSRF, D: d, Notice: notices[r.URL.Query().Get("done")]}
	if rq != nil {
		pd.Me = rq.me
		pd.OrgName = a.orgName(rq.me.OrgID)
		pd.Can.Share = rq.can(acctmap.ManageSharing)
		pd.Can.Partners = rq.can(acctmap.ManagePartnerships)
		pd.Can.Data = rq.can(acctmap.ManageDataSources)
		pd.Can.Export = rq.can(acctmap.ExportRecords)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// errorPage shows err with the status classify gives it.
func (a *App) errorPage(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	c := classify(err)
	if c.status == http.StatusInternalServerError {
		a.logf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	d := struct {
		Status  int
		Code    string
		Message string
	}{c.status, c.code, publicMessage(err, c)}
	if rerr := a.render(w, r, rq, c.status, "error.html", http.StatusText(c.status), d); rerr != nil {
		a.logf("rendering the error page: %v", rerr)
		http.Error(w, d.Message, c.status)
	}
}

// internalError answers a failure of the app itself.
func (a *App) internalError(w http.ResponseWriter, r *http.Request, err error) {
	a.logf("%s %s: %v", r.Method, r.URL.Path, err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// orgName is a network org's display name, from the app's own directory:
// the app provisioned every org, so naming one reveals nothing the library
// guards. An id the directory lacks is shown as it is.
func (a *App) orgName(id string) string {
	for _, o := range a.orgs {
		if o.ID == id {
			return o.Name
		}
	}
	return id
}

// directoryUser returns a user of the app's directory.
func (a *App) directoryUser(id string) (appUser, bool) {
	for _, u := range a.users {
		if u.ID == id {
			return u, true
		}
	}
	return appUser{}, false
}

// parseTemplates parses each page with the layout.
func (a *App) parseTemplates() error {
	a.pages = map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(template.FuncMap{"levelLabel": levelLabel}).
			ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return err
		}
		a.pages[base] = t
	}
	return nil
}

// levelLabel names a share level for people.
func levelLabel(l acctmap.ShareLevel) string {
	for _, x := range levels() {
		if x.Level == l {
			return x.Label
		}
	}
	return string(l)
}
