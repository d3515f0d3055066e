package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"github.com/google/uuid"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/plugins"
	"github.com/open-policy-agent/opa/v1/plugins/logs"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/server"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/util"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// PluginName is the upstream plugin's name, so OPA configuration files work with either binary.
const PluginName = "envoy_ext_authz_grpc"

// Config keys as upstream: addr (host:port), path (the decision, slash separated).
type Config struct {
	Addr string `json:"addr"`
	Path string `json:"path"`
}

type Factory struct{}

func (Factory) Validate(_ *plugins.Manager, raw []byte) (any, error) {
	cfg := Config{Addr: "127.0.0.1:9191", Path: "envoy/authz/allow"}
	if err := util.Unmarshal(raw, &cfg); err != nil {
		return nil, err
	}
	if cfg.Path == "" || strings.Contains(cfg.Path, " ") {
		return nil, fmt.Errorf("invalid path %q", cfg.Path)
	}
	return cfg, nil
}

func (Factory) New(m *plugins.Manager, cfg any) plugins.Plugin {
	p := &plugin{manager: m, cfg: cfg.(Config)}
	m.RegisterCompilerTrigger(func(storage.Transaction) { p.dropPrepared() })
	m.UpdatePluginStatus(PluginName, &plugins.Status{State: plugins.StateNotReady})
	return p
}

type plugin struct {
	authv3.UnimplementedAuthorizationServer
	manager  *plugins.Manager
	cfg      Config
	server   *grpc.Server
	mu       sync.Mutex
	prepared *rego.PreparedEvalQuery
}

func (p *plugin) Start(context.Context) error {
	listener, err := net.Listen("tcp", p.cfg.Addr)
	if err != nil {
		p.manager.UpdatePluginStatus(PluginName, &plugins.Status{State: plugins.StateErr, Message: err.Error()})
		return err
	}
	p.server = grpc.NewServer()
	authv3.RegisterAuthorizationServer(p.server, p)
	go func() { _ = p.server.Serve(listener) }()
	p.manager.UpdatePluginStatus(PluginName, &plugins.Status{State: plugins.StateOK})
	return nil
}

func (p *plugin) Stop(context.Context) {
	if p.server != nil {
		p.server.GracefulStop()
	}
	p.manager.UpdatePluginStatus(PluginName, &plugins.Status{State: plugins.StateNotReady})
}

func (p *plugin) Reconfigure(context.Context, any) {}

func (p *plugin) dropPrepared() {
	p.mu.Lock()
	p.prepared = nil
	p.mu.Unlock()
}

func (p *plugin) query(ctx context.Context) (*rego.PreparedEvalQuery, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.prepared != nil {
		return p.prepared, nil
	}
	q, err := rego.New(
		rego.Query("data."+strings.ReplaceAll(strings.Trim(p.cfg.Path, "/"), "/", ".")),
		rego.Compiler(p.manager.GetCompiler()),
		rego.Store(p.manager.Store),
		rego.Runtime(p.manager.Info),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, err
	}
	p.prepared = &q
	return p.prepared, nil
}

// Check evaluates the policy against the request in the upstream plugin's input shape.
func (p *plugin) Check(ctx context.Context, req *authv3.CheckRequest) (*authv3.CheckResponse, error) {
	started := time.Now()
	decisionID := uuid.NewString()
	input, err := toInput(req)
	if err != nil {
		return nil, err
	}
	txn, err := p.manager.Store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer p.manager.Store.Abort(ctx, txn)

	var result any
	q, err := p.query(ctx)
	if err == nil {
		var rs rego.ResultSet
		rs, err = q.Eval(ctx, rego.EvalInput(input), rego.EvalTransaction(txn))
		if err == nil {
			if len(rs) == 0 || len(rs[0].Expressions) == 0 {
				err = errors.New("undefined decision")
			} else {
				result = rs[0].Expressions[0].Value
			}
		}
	}
	p.logDecision(ctx, txn, decisionID, input, result, err, started)
	if err != nil {
		// Upstream answers an evaluation error with a gRPC status: Envoy then fails closed.
		return &authv3.CheckResponse{Status: &rpcstatus.Status{Code: int32(codes.Unknown), Message: err.Error()}}, nil
	}
	return toResponse(result)
}

func (p *plugin) logDecision(ctx context.Context, txn storage.Transaction, id string, input map[string]any,
	result any, evalErr error, started time.Time) {
	logger := logs.Lookup(p.manager)
	if logger == nil {
		return
	}
	bundles := map[string]server.BundleInfo{}
	if names, err := bundle.ReadBundleNamesFromStore(ctx, p.manager.Store, txn); err == nil {
		for _, name := range names {
			if rev, err := bundle.ReadBundleRevisionFromStore(ctx, p.manager.Store, txn, name); err == nil {
				bundles[name] = server.BundleInfo{Revision: rev}
			}
		}
	}
	var in any = input
	info := &server.Info{
		Txn: txn, DecisionID: id, Path: p.cfg.Path, Timestamp: started, Input: &in,
		Bundles: bundles, Error: evalErr,
	}
	if evalErr == nil {
		info.Results = &result
	}
	_ = logger.Log(ctx, info)
}

func toInput(req *authv3.CheckRequest) (map[string]any, error) {
	raw, err := protojson.Marshal(req)
	if err != nil {
		return nil, err
	}
	input := map[string]any{}
	if err := util.UnmarshalJSON(raw, &input); err != nil {
		return nil, err
	}
	path := req.GetAttributes().GetRequest().GetHttp().GetPath()
	parsedPath, parsedQuery := parsePath(path)
	input["parsed_path"] = parsedPath
	input["parsed_query"] = parsedQuery
	input["parsed_body"] = nil
	input["truncated_body"] = false
	input["version"] = map[string]any{"encoding": "protojson", "ext_authz": "v3"}
	return input, nil
}

func parsePath(path string) ([]any, map[string]any) {
	u, err := url.Parse(path)
	if err != nil {
		return []any{}, map[string]any{}
	}
	segments := []any{}
	for _, s := range strings.Split(strings.TrimLeft(u.Path, "/"), "/") {
		if s != "" {
			segments = append(segments, s)
		}
	}
	query := map[string]any{}
	for k, vs := range u.Query() {
		list := make([]any, len(vs))
		for i, v := range vs {
			list[i] = v
		}
		query[k] = list
	}
	return segments, query
}

// toResponse reads a boolean or the structured result
// {allowed, headers, response_headers_to_add, request_headers_to_remove, body, http_status}.
func toResponse(result any) (*authv3.CheckResponse, error) {
	allowed := false
	var fields map[string]any
	switch v := result.(type) {
	case bool:
		allowed = v
	case map[string]any:
		fields = v
		b, ok := v["allowed"].(bool)
		if !ok {
			return nil, errors.New("decision lacks a boolean 'allowed'")
		}
		allowed = b
	default:
		return nil, fmt.Errorf("decision must be a boolean or an object, got %T", result)
	}
	headers, err := headerOptions(fields["headers"])
	if err != nil {
		return nil, err
	}
	if allowed {
		ok := &authv3.OkHttpResponse{Headers: headers}
		if ok.ResponseHeadersToAdd, err = headerOptions(fields["response_headers_to_add"]); err != nil {
			return nil, err
		}
		if list, isList := fields["request_headers_to_remove"].([]any); isList {
			for _, h := range list {
				if s, isString := h.(string); isString {
					ok.HeadersToRemove = append(ok.HeadersToRemove, s)
				}
			}
		}
		return &authv3.CheckResponse{
			Status:       &rpcstatus.Status{Code: int32(codes.OK)},
			HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: ok},
		}, nil
	}
	status := typev3.StatusCode_Forbidden
	if n, isNumber := fields["http_status"].(json.Number); isNumber {
		code, err := n.Int64()
		if err != nil {
			return nil, err
		}
		status = typev3.StatusCode(code)
	}
	body, _ := fields["body"].(string)
	return &authv3.CheckResponse{
		Status: &rpcstatus.Status{Code: int32(codes.PermissionDenied)},
		HttpResponse: &authv3.CheckResponse_DeniedResponse{DeniedResponse: &authv3.DeniedHttpResponse{
			Status: &typev3.HttpStatus{Code: status}, Headers: headers, Body: body,
		}},
	}, nil
}

func headerOptions(value any) ([]*corev3.HeaderValueOption, error) {
	if value == nil {
		return nil, nil
	}
	object, ok := value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("headers must be an object, got %T", value)
	}
	var out []*corev3.HeaderValueOption
	for name, v := range object {
		values := []any{v}
		if list, isList := v.([]any); isList {
			values = list
		}
		for _, one := range values {
			s, isString := one.(string)
			if !isString {
				return nil, fmt.Errorf("header %s must be a string", name)
			}
			out = append(out, &corev3.HeaderValueOption{
				Header: &corev3.HeaderValue{Key: name, Value: s},
				Append: wrapperspb.Bool(false),
			})
		}
	}
	return out, nil
}
