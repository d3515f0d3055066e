package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"github.com/open-policy-agent/opa/v1/logging"
	"github.com/open-policy-agent/opa/v1/plugins"
	"github.com/open-policy-agent/opa/v1/plugins/logs"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// The repository's own policies, as the stack loads them.
var (
	edgePolicy = filepath.Join("..", "..", "policies", "envoy", "authz.rego")
	maskPolicy = filepath.Join("..", "..", "policies", "system", "log.rego")
)

// stack is an OPA plugin manager with this plugin started on a loopback port, and a gRPC client
// talking to it the way Envoy or a service does.
type stack struct {
	manager *plugins.Manager
	client  authv3.AuthorizationClient
	sink    *decisionSink
}

type policy struct{ id, text string }

func policyFile(t *testing.T, path string) policy {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return policy{path, string(text)}
}

func inline(id, text string) policy { return policy{id, text} }

func start(t *testing.T, decision string, policies ...policy) *stack {
	t.Helper()
	ctx := context.Background()
	store := inmem.New()
	manager, err := plugins.New([]byte(`{}`), "test", store, plugins.Logger(logging.NewNoOpLogger()))
	if err != nil {
		t.Fatal(err)
	}
	if err := manager.Init(ctx); err != nil {
		t.Fatal(err)
	}
	upsert(t, manager, policies...)

	sink := &decisionSink{}
	manager.Register(sinkName, sink)
	logsConfig, err := logs.NewConfigBuilder().
		WithBytes([]byte(`{"plugin": "` + sinkName + `"}`)).
		WithPlugins([]string{sinkName}).
		Parse()
	if err != nil {
		t.Fatal(err)
	}
	manager.Register(logs.Name, logs.New(logsConfig, manager))

	addr := freeAddr(t)
	cfg, err := Factory{}.Validate(manager, []byte(`{"addr": "`+addr+`", "path": "`+decision+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	manager.Register(PluginName, Factory{}.New(manager, cfg))
	if err := manager.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { manager.Stop(ctx) })

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &stack{manager: manager, client: authv3.NewAuthorizationClient(conn), sink: sink}
}

// upsert writes policies the way the REST API's PUT /v1/policies does: the manager recompiles on commit.
func upsert(t *testing.T, manager *plugins.Manager, policies ...policy) {
	t.Helper()
	ctx := context.Background()
	err := storage.Txn(ctx, manager.Store, storage.WriteParams, func(txn storage.Transaction) error {
		for _, p := range policies {
			if err := manager.Store.UpsertPolicy(ctx, txn, p.id, []byte(p.text)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func (s *stack) check(t *testing.T, method, path string, headers map[string]string) *authv3.CheckResponse {
	t.Helper()
	res, err := s.checkErr(method, path, headers)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (s *stack) checkErr(method, path string, headers map[string]string) (*authv3.CheckResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.client.Check(ctx, &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
			Method: method, Path: path, Headers: headers,
		}},
	}})
}

const sinkName = "test_decision_sink"

// decisionSink receives decision log events as a custom decision_logs plugin does.
type decisionSink struct {
	mu     sync.Mutex
	events []logs.EventV1
}

func (*decisionSink) Start(context.Context) error      { return nil }
func (*decisionSink) Stop(context.Context)             {}
func (*decisionSink) Reconfigure(context.Context, any) {}

func (d *decisionSink) Log(_ context.Context, event logs.EventV1) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.events = append(d.events, event)
	return nil
}

func (d *decisionSink) logged() []logs.EventV1 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.events)
}

func headerMap(options []*corev3.HeaderValueOption) map[string]string {
	out := map[string]string{}
	for _, o := range options {
		out[o.GetHeader().GetKey()] = o.GetHeader().GetValue()
	}
	return out
}

func TestEdgePolicyAdmitsAPublicRouteAndStripsClientIdentityHeaders(t *testing.T) {
	s := start(t, "envoy/authz/allow", policyFile(t, edgePolicy))

	res := s.check(t, "GET", "/.well-known/jwks.json", map[string]string{"x-avb-tenant": "forged"})

	if res.GetStatus().GetCode() != int32(codes.OK) {
		t.Fatalf("status %v, want OK", res.GetStatus())
	}
	ok := res.GetOkResponse()
	if ok == nil {
		t.Fatalf("no ok_response in %v", res)
	}
	if !slices.Equal(ok.GetHeadersToRemove(), []string{"x-avb-tenant"}) {
		t.Errorf("headers to remove %v, want [x-avb-tenant]", ok.GetHeadersToRemove())
	}
	if len(ok.GetHeaders()) != 0 {
		t.Errorf("a public route adds no identity headers, got %v", headerMap(ok.GetHeaders()))
	}
}

func TestEdgePolicyDeniesAnAnonymousCallWithItsStatusHeadersAndBody(t *testing.T) {
	s := start(t, "envoy/authz/allow", policyFile(t, edgePolicy))

	res := s.check(t, "GET", "/v1/tenants", nil)

	if res.GetStatus().GetCode() != int32(codes.PermissionDenied) {
		t.Fatalf("status %v, want PERMISSION_DENIED", res.GetStatus())
	}
	denied := res.GetDeniedResponse()
	if denied == nil {
		t.Fatalf("no denied_response in %v", res)
	}
	if denied.GetStatus().GetCode() != typev3.StatusCode_Unauthorized {
		t.Errorf("http status %v, want 401", denied.GetStatus().GetCode())
	}
	headers := headerMap(denied.GetHeaders())
	if headers["www-authenticate"] != "Bearer" || headers["content-type"] != "application/json" {
		t.Errorf("headers %v, want www-authenticate: Bearer and content-type: application/json", headers)
	}
	var body struct {
		Error struct {
			Type string `json:"type"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(denied.GetBody()), &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", denied.GetBody(), err)
	}
	if body.Error.Type != "invalid_request_error" {
		t.Errorf("error type %q, want invalid_request_error", body.Error.Type)
	}
}

func TestDecisionLogMasksTheCallersKey(t *testing.T) {
	s := start(t, "envoy/authz/allow", policyFile(t, edgePolicy), policyFile(t, maskPolicy))

	s.check(t, "GET", "/v1/tenants", map[string]string{"authorization": "Bearer sk-secret-key"})

	events := s.sink.logged()
	if len(events) != 1 {
		t.Fatalf("%d decision log events, want 1", len(events))
	}
	event := events[0]
	if event.DecisionID == "" || event.Path != "envoy/authz/allow" || event.Result == nil {
		t.Errorf("event lacks its decision id, path or result: %+v", event)
	}
	if !slices.Contains(event.Erased, "/input/attributes/request/http/headers/authorization") {
		t.Errorf("erased %v, want the authorization header", event.Erased)
	}
	logged, err := json.Marshal(event.Input)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(logged), "sk-secret-key") {
		t.Errorf("the key reached the decision log: %s", logged)
	}
	if !strings.Contains(string(logged), `"method":"GET"`) {
		t.Errorf("the logged input lacks the request: %s", logged)
	}
}

func TestInputCarriesTheParsedPathAndQuery(t *testing.T) {
	s := start(t, "test/allow", inline("test.rego", `package test
default allow := false

allow if {
	input.parsed_path == ["v1", "realtime"]
	input.parsed_query.model == ["a", "b"]
	input.version == {"encoding": "protojson", "ext_authz": "v3"}
	input.attributes.request.http.method == "GET"
}`))

	if got := s.check(t, "GET", "/v1/realtime?model=a&model=b", nil); got.GetOkResponse() == nil {
		t.Errorf("parsed path and query not matched: %v", got)
	}
	if got := s.check(t, "GET", "/v1/realtime?model=a", nil); got.GetDeniedResponse() == nil {
		t.Errorf("a boolean false must deny: %v", got)
	}
	if code := s.check(t, "GET", "/v1/realtime?model=a", nil).GetDeniedResponse().GetStatus().GetCode(); code != typev3.StatusCode_Forbidden {
		t.Errorf("a boolean denial answers %v, want 403", code)
	}
}

func TestAPolicyChangeTakesEffectOnTheNextCheck(t *testing.T) {
	s := start(t, "test/allow", inline("test.rego", "package test\nallow := false"))
	if s.check(t, "GET", "/", nil).GetOkResponse() != nil {
		t.Fatal("allow := false admitted the request")
	}

	upsert(t, s.manager, inline("test.rego", "package test\nallow := true"))

	if got := s.check(t, "GET", "/", nil); got.GetOkResponse() == nil {
		t.Errorf("the replaced policy is not in effect: %v", got)
	}
}

func TestAnUndefinedDecisionFailsClosedWithAnRPCStatus(t *testing.T) {
	s := start(t, "test/missing", inline("test.rego", "package test\nallow := true"))

	res := s.check(t, "GET", "/", nil)

	if res.GetStatus().GetCode() != int32(codes.Unknown) || res.GetHttpResponse() != nil {
		t.Errorf("got %v, want status UNKNOWN and no http response", res)
	}
	if !strings.Contains(res.GetStatus().GetMessage(), "undefined decision") {
		t.Errorf("message %q does not say the decision is undefined", res.GetStatus().GetMessage())
	}
}

func TestADecisionOfTheWrongShapeIsAnError(t *testing.T) {
	for name, rule := range map[string]string{
		"string":            `allow := "yes"`,
		"object no allowed": `allow := {"headers": {}}`,
		"header not string": `allow := {"allowed": true, "headers": {"x": 1}}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := start(t, "test/allow", inline("test.rego", "package test\n"+rule))

			_, err := s.checkErr("GET", "/", nil)

			if status.Code(err) != codes.Unknown {
				t.Errorf("got %v, want an UNKNOWN RPC error", err)
			}
		})
	}
}

func TestStructuredDecisionMapsEveryField(t *testing.T) {
	s := start(t, "test/decision", inline("test.rego", `package test
decision := {
	"allowed": true,
	"headers": {"x-one": "1", "x-many": ["a", "b"]},
	"response_headers_to_add": {"x-out": "o"},
	"request_headers_to_remove": ["x-drop", 7],
} if input.attributes.request.http.method == "GET"

decision := {"allowed": false, "http_status": 429, "headers": {"retry-after": "3"}, "body": "slow down"} if {
	input.attributes.request.http.method == "POST"
}`))

	ok := s.check(t, "GET", "/", nil).GetOkResponse()
	var headers []string
	for _, h := range ok.GetHeaders() {
		headers = append(headers, h.GetHeader().GetKey()+"="+h.GetHeader().GetValue())
		if h.GetAppend().GetValue() {
			t.Errorf("header %s appends instead of replacing", h.GetHeader().GetKey())
		}
	}
	slices.Sort(headers)
	if !slices.Equal(headers, []string{"x-many=a", "x-many=b", "x-one=1"}) {
		t.Errorf("headers %v", headers)
	}
	if got := headerMap(ok.GetResponseHeadersToAdd()); got["x-out"] != "o" || len(got) != 1 {
		t.Errorf("response headers %v, want x-out: o", got)
	}
	if !slices.Equal(ok.GetHeadersToRemove(), []string{"x-drop"}) {
		t.Errorf("headers to remove %v, want [x-drop] (non-strings skipped)", ok.GetHeadersToRemove())
	}

	denied := s.check(t, "POST", "/", nil).GetDeniedResponse()
	if denied.GetStatus().GetCode() != typev3.StatusCode_TooManyRequests || denied.GetBody() != "slow down" ||
		headerMap(denied.GetHeaders())["retry-after"] != "3" {
		t.Errorf("denied response %v, want 429, retry-after: 3, body 'slow down'", denied)
	}
}

func TestPluginStatusFollowsTheServer(t *testing.T) {
	s := start(t, "test/allow", inline("test.rego", "package test\nallow := true"))
	if state := s.manager.PluginStatus()[PluginName].State; state != plugins.StateOK {
		t.Errorf("state after start %v, want OK", state)
	}

	s.manager.Plugin(PluginName).Stop(context.Background())

	if state := s.manager.PluginStatus()[PluginName].State; state != plugins.StateNotReady {
		t.Errorf("state after stop %v, want NOT_READY", state)
	}
	if _, err := s.checkErr("GET", "/", nil); status.Code(err) != codes.Unavailable {
		t.Errorf("a stopped server answered: %v", err)
	}
}

func TestStartReportsAnAddressInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	manager, err := plugins.New([]byte(`{}`), "test", inmem.New(), plugins.Logger(logging.NewNoOpLogger()))
	if err != nil {
		t.Fatal(err)
	}
	p := Factory{}.New(manager, Config{Addr: taken.Addr().String(), Path: "test/allow"})

	if err := p.Start(context.Background()); err == nil {
		t.Fatal("started on an address in use")
	}
	if state := manager.PluginStatus()[PluginName].State; state != plugins.StateErr {
		t.Errorf("state %v, want ERROR", state)
	}
}

func TestValidateDefaultsAndRejectsABadPath(t *testing.T) {
	cfg, err := Factory{}.Validate(nil, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg != (Config{Addr: "127.0.0.1:9191", Path: "envoy/authz/allow"}) {
		t.Errorf("defaults %+v", cfg)
	}
	for _, raw := range []string{`{"path": ""}`, `{"path": "envoy/authz allow"}`, `{"addr": 1}`} {
		if _, err := (Factory{}).Validate(nil, []byte(raw)); err == nil {
			t.Errorf("%s accepted", raw)
		}
	}
}
