package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/acctmap/acctmap"
)

// The JSON API under /api/. It authenticates with the same session cookie
// as the pages; a request that changes state sends the session's CSRF
// token in the X-CSRF-Token header (GET /api/me returns it). Errors are
// {"error": "...", "code": "..."} with the status classify gives.

func (a *App) apiRoutes(mux *http.ServeMux) {
	a.api(mux, "GET /api/me", a.apiMe)
	a.api(mux, "GET /api/partners", a.apiPartners)
	a.api(mux, "GET /api/populations", a.apiPopulations)
	a.api(mux, "GET /api/partners/{partner}/populations", a.apiPartnerPopulations)
	a.api(mux, "GET /api/matrix/{partner}", a.apiMatrix)
	a.api(mux, "GET /api/report", a.apiReport)
	a.api(mux, "GET /api/share-requests", a.apiShareRequests)
	a.api(mux, "POST /api/share-requests", a.apiRequestShare)
	a.api(mux, "POST /api/share-requests/{partner}/{id}/approve", a.apiDecide(true))
	a.api(mux, "POST /api/share-requests/{partner}/{id}/decline", a.apiDecide(false))
	a.api(mux, "POST /api/share-rules", a.apiSetRule)
	a.api(mux, "DELETE /api/share-rules", a.apiRemoveRule)
	a.api(mux, "POST /api/field-presets", a.apiSavePreset)
	a.api(mux, "DELETE /api/field-presets/{name}", a.apiDeletePreset)
	mux.HandleFunc("POST /api/export", a.apiExport)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		a.apiError(w, r, fmt.Errorf("%s %.80q: %w", r.Method, r.URL.Path, acctmap.ErrNotFound))
	})
}

// apiFunc answers one API call with a status and a value to encode.
type apiFunc func(r *http.Request, rq *request) (int, any, error)

// api registers an API endpoint: signed-in user first (401), then for
// methods that change state the checks of every POST (403 on a bad CSRF
// token), then fn.
func (a *App) api(mux *http.ServeMux, pattern string, fn apiFunc) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rq, err := a.apiRequest(w, r)
		if err != nil {
			a.apiError(w, r, err)
			return
		}
		status, body, err := fn(r, rq)
		if err != nil {
			a.apiError(w, r, err)
			return
		}
		writeJSON(w, status, body)
	})
}

// apiRequest authenticates an API call and, unless its method is safe,
// checks its origin and CSRF token.
func (a *App) apiRequest(w http.ResponseWriter, r *http.Request) (*request, error) {
	rq, err := a.userRequest(r)
	if err != nil {
		return nil, err
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if err := a.checkPost(w, r, false); err != nil {
			return nil, err
		}
	}
	return rq, nil
}

// reasonError carries, beside the library's error, a reason for the client:
// what a refused report's partner shares, and how to ask for more.
type reasonError struct {
	err    error
	reason string
}

func (e *reasonError) Error() string { return e.err.Error() }
func (e *reasonError) Unwrap() error { return e.err }

// apiErrorBody is the JSON of every error.
type apiErrorBody struct {
	Error  string `json:"error"`
	Code   string `json:"code"`
	Reason string `json:"reason,omitempty"`
}

func (a *App) apiError(w http.ResponseWriter, r *http.Request, err error) {
	c := classify(err)
	if c.status == http.StatusInternalServerError {
		a.logf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	body := apiErrorBody{Error: publicMessage(err, c), Code: c.code}
	var re *reasonError
	if errors.As(err, &re) {
		body.Reason = re.reason
	}
	writeJSON(w, c.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if v == nil {
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal error","code":"internal"}`, http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// decodeJSON reads one JSON value from a bounded body into v, refusing
// unknown fields so that a misspelt one is an error and not a silent default.
func decodeJSON(r *http.Request, v any) error {
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/json" {
		return errUnsupportedMedia
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("%w: more than %d bytes", errTooLarge, maxFormBytes)
		}
		return fmt.Errorf("%w: JSON body: %v", errBadRequest, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: JSON body: more than one value", errBadRequest)
	}
	return nil
}

// The JSON shapes of the API, snake_case and stable, rather than the
// library's structs (which carry no JSON tags and may grow).
type (
	jsonUser struct {
		ID    string `json:"id"`
		OrgID string `json:"org_id"`
		Name  string `json:"name"`
		Role  string `json:"role"`
	}
	jsonPartner struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Offline bool   `json:"offline"`
		Status  string `json:"status"`
	}
	jsonPopulation struct {
		ID     string   `json:"id"`
		Name   string   `json:"name"`
		Kind   string   `json:"kind"`
		Level  string   `json:"level"`
		Fields []string `json:"fields,omitempty"`
	}
	jsonMatrix struct {
		Partner           string           `json:"partner"`
		Rows              []jsonPopulation `json:"rows"`
		Cols              []jsonPopulation `json:"cols"`
		Counts            [][]int64        `json:"counts"`
		HiddenFromPartner [][]int64        `json:"hidden_from_partner"`
	}
	jsonRow struct {
		Values          []string `json:"values"`
		MatchedOn       string   `json:"matched_on"`
		Key             string   `json:"key"`
		Confidence      int      `json:"confidence"`
		Explanation     string   `json:"explanation"`
		RecordID        string   `json:"record_id"`
		PartnerRecordID string   `json:"partner_record_id,omitempty"`
	}
	jsonReport struct {
		Columns []string  `json:"columns"`
		Rows    []jsonRow `json:"rows"`
		Total   int       `json:"total"`
	}
	jsonShareRequest struct {
		ID           string     `json:"id"`
		From         string     `json:"from"`
		To           string     `json:"to"`
		PopulationID string     `json:"population_id"`
		Level        string     `json:"level"`
		Fields       []string   `json:"fields"`
		Message      string     `json:"message"`
		Status       string     `json:"status"`
		CreatedAt    time.Time  `json:"created_at"`
		DecidedAt    *time.Time `json:"decided_at,omitempty"`
	}
)

func populationJSON(ps []acctmap.PopulationInfo) []jsonPopulation {
	out := make([]jsonPopulation, len(ps))
	for i, p := range ps {
		out[i] = jsonPopulation{ID: p.ID, Name: p.Name, Kind: string(p.Kind), Level: string(p.Level), Fields: p.Fields}
	}
	return out
}

func shareRequestJSON(q acctmap.ShareRequest) jsonShareRequest {
	j := jsonShareRequest{ID: q.ID, From: q.From, To: q.To, PopulationID: q.PopulationID, Level: string(q.Level),
		Fields: q.Fields, Message: q.Message, Status: string(q.Status), CreatedAt: q.CreatedAt}
	if !q.DecidedAt.IsZero() {
		t := q.DecidedAt
		j.DecidedAt = &t
	}
	return j
}

func (a *App) apiMe(r *http.Request, rq *request) (int, any, error) {
	return http.StatusOK, struct {
		User      jsonUser `json:"user"`
		CSRFToken string   `json:"csrf_token"`
	}{jsonUser{rq.me.ID, rq.me.OrgID, rq.me.Name, string(rq.me.Role)}, rq.sess.CSRF}, nil
}

func (a *App) apiPartners(r *http.Request, rq *request) (int, any, error) {
	rows, err := a.partnerList(r.Context(), rq)
	if err != nil {
		return 0, nil, err
	}
	out := make([]jsonPartner, len(rows))
	for i, p := range rows {
		out[i] = jsonPartner{p.ID, p.Name, p.Offline, string(p.Status)}
	}
	return http.StatusOK, out, nil
}

func (a *App) apiPopulations(r *http.Request, rq *request) (int, any, error) {
	pops, err := rq.actor.Populations(r.Context(), "")
	if err != nil {
		return 0, nil, err
	}
	out := make([]jsonPopulation, len(pops))
	for i, p := range pops {
		out[i] = jsonPopulation{ID: p.ID, Name: p.Name, Kind: string(p.Kind), Level: string(acctmap.FullPopulation)}
	}
	return http.StatusOK, out, nil
}

func (a *App) apiPartnerPopulations(r *http.Request, rq *request) (int, any, error) {
	infos, err := rq.actor.PartnerPopulations(r.Context(), r.PathValue("partner"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, populationJSON(infos), nil
}

func (a *App) apiMatrix(r *http.Request, rq *request) (int, any, error) {
	mx, err := rq.actor.Matrix(r.Context(), r.PathValue("partner"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, jsonMatrix{Partner: mx.Partner, Rows: populationJSON(mx.Rows), Cols: populationJSON(mx.Cols),
		Counts: mx.Counts, HiddenFromPartner: mx.HiddenFromPartner}, nil
}

// maxAPIRows bounds a report page of the API.
const maxAPIRows = 1000

// reportSpec reads a ReportSpec from the query: partner, population,
// partner_population, offset, limit (default 100, at most 1000), column
// (repeated: the columns, in order) and sort (repeated: a column, "-" first
// for descending).
func reportSpec(q map[string][]string) (acctmap.ReportSpec, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	spec := acctmap.ReportSpec{Partner: get("partner"), Population: get("population"),
		PartnerPopulation: get("partner_population"), Columns: q["column"], Limit: reportPageSize}
	for _, p := range []struct {
		name string
		dst  *int
		max  int
	}{{"offset", &spec.Offset, 1 << 30}, {"limit", &spec.Limit, maxAPIRows}} {
		s := get(p.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > p.max {
			return spec, fmt.Errorf("%w: %s %.20q is not a number from 0 to %d", errBadRequest, p.name, s, p.max)
		}
		*p.dst = n
	}
	for _, s := range q["sort"] {
		col, desc := strings.CutPrefix(s, "-")
		spec.Sort = append(spec.Sort, acctmap.SortKey{Column: col, Desc: desc})
	}
	return spec, nil
}

func (a *App) apiReport(r *http.Request, rq *request) (int, any, error) {
	ctx := r.Context()
	spec, err := reportSpec(r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	rep, err := rq.actor.Report(ctx, spec)
	if errors.Is(err, acctmap.ErrNotShared) {
		return 0, nil, &reasonError{err, notSharedReason(ctx, rq, spec)}
	}
	if err != nil {
		return 0, nil, err
	}
	out := jsonReport{Columns: rep.Columns, Rows: make([]jsonRow, len(rep.Rows)), Total: rep.Total}
	for i, row := range rep.Rows {
		out.Rows[i] = jsonRow{Values: row.Values, MatchedOn: row.MatchedOn, Key: row.Key, Confidence: row.Confidence,
			Explanation: row.Explanation, RecordID: row.RecordID, PartnerRecordID: row.PartnerRecordID}
	}
	return http.StatusOK, out, nil
}

// notSharedReason says what the partner shares of the refused population,
// as PartnerPopulations tells the caller, and how to ask for more.
func notSharedReason(ctx context.Context, rq *request, spec acctmap.ReportSpec) string {
	level := "counts only"
	if infos, err := rq.actor.PartnerPopulations(ctx, spec.Partner); err == nil {
		for _, p := range infos {
			if p.ID == spec.PartnerPopulation {
				level = string(p.Level)
			}
		}
	}
	return fmt.Sprintf("the partner shares this population at level %q, not its records; ask for them with POST /api/share-requests", level)
}

func (a *App) apiExport(w http.ResponseWriter, r *http.Request) {
	rq, err := a.apiRequest(w, r)
	if err != nil {
		a.apiError(w, r, err)
		return
	}
	var body struct {
		Partner           string   `json:"partner"`
		Population        string   `json:"population"`
		PartnerPopulation string   `json:"partner_population"`
		Columns           []string `json:"columns"`
	}
	if err := decodeJSON(r, &body); err != nil {
		a.apiError(w, r, err)
		return
	}
	spec := acctmap.ReportSpec{Partner: body.Partner, Population: body.Population,
		PartnerPopulation: body.PartnerPopulation, Columns: body.Columns}
	if err := a.writeExport(w, r, rq, spec); err != nil {
		if errors.Is(err, acctmap.ErrNotShared) {
			err = &reasonError{err, notSharedReason(r.Context(), rq, spec)}
		}
		a.apiError(w, r, err)
	}
}

func (a *App) apiShareRequests(r *http.Request, rq *request) (int, any, error) {
	reqs, err := rq.actor.ShareRequests(r.Context(), r.URL.Query().Get("partner"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]jsonShareRequest, len(reqs))
	for i, q := range reqs {
		out[i] = shareRequestJSON(q)
	}
	return http.StatusOK, out, nil
}

func (a *App) apiRequestShare(r *http.Request, rq *request) (int, any, error) {
	var body struct {
		Partner    string   `json:"partner"`
		Population string   `json:"population"`
		Level      string   `json:"level"`
		Fields     []string `json:"fields"`
		Message    string   `json:"message"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return 0, nil, err
	}
	if body.Level == "" {
		body.Level = string(acctmap.OverlappingRecords)
	}
	q, err := rq.actor.RequestShare(r.Context(), body.Partner, body.Population, acctmap.ShareLevel(body.Level), body.Fields, body.Message)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, shareRequestJSON(q), nil
}

func (a *App) apiDecide(approve bool) apiFunc {
	return func(r *http.Request, rq *request) (int, any, error) {
		decide := rq.actor.DeclineShareRequest
		if approve {
			decide = rq.actor.ApproveShareRequest
		}
		q, err := decide(r.Context(), r.PathValue("partner"), r.PathValue("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, shareRequestJSON(q), nil
	}
}

func (a *App) apiSetRule(r *http.Request, rq *request) (int, any, error) {
	var body struct {
		Population string   `json:"population"`
		Partner    string   `json:"partner"` // "" for the default
		Level      string   `json:"level"`
		Fields     []string `json:"fields"`
		Preset     string   `json:"preset"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return 0, nil, err
	}
	rule := acctmap.SharingRule{Level: acctmap.ShareLevel(body.Level), Fields: body.Fields, Preset: body.Preset}
	if err := rq.actor.SetShareRule(r.Context(), body.Population, body.Partner, rule); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (a *App) apiRemoveRule(r *http.Request, rq *request) (int, any, error) {
	q := r.URL.Query()
	if err := rq.actor.RemoveShareRule(r.Context(), q.Get("population"), q.Get("partner")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (a *App) apiSavePreset(r *http.Request, rq *request) (int, any, error) {
	var body struct {
		Name   string   `json:"name"`
		Fields []string `json:"fields"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return 0, nil, err
	}
	if err := rq.actor.SaveFieldPreset(r.Context(), body.Name, body.Fields); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (a *App) apiDeletePreset(r *http.Request, rq *request) (int, any, error) {
	if err := rq.actor.DeleteFieldPreset(r.Context(), r.PathValue("name")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}
