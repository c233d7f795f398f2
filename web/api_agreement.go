package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
)

// draftAgreement records the written agreement of a mediation as its
// mediator drafted it on the desk (the reach_agreement transition, with
// the terms written out from the fields): 201 with the case. 400 naming
// the fields of an incomplete draft, and nothing changes; 403 for anyone
// but an assigned mediator of the case; 409 when the case is not in
// mediation or changed since the draft's version.
func (api *API) draftAgreement(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusCreated, func(ctx context.Context, a petitions.Actor, in casework.AgreementDraft) (any, error) {
		return api.Cases.DraftAgreement(ctx, a, chi.URLParam(r, "id"), in)
	})
}
