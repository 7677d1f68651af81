"use client";
/**
 * The new-search form. Every keystroke re-runs `checkSearchForm` (the CLI's schemas), so
 * problems show at their field as soon as the field has been left, and the equivalent
 * `hyperbayes` command is always in view. A form with problems is never sent; the server action
 * checks everything again and answers with messages in the same shape.
 */
import { useActionState, useMemo, useRef, useState } from "react";
import {
  type CreateSearchState,
  checkSearchForm,
  emptyParamRow,
  initialCreateSearchState,
  type ParamRow,
  type SearchFormValues,
} from "../../lib/console/search-form";
import { CopyButton } from "../ui/CopyButton";
import { controlProps, Field, Messages } from "./Field";
import { ParamRows } from "./ParamRows";

type Action = (state: CreateSearchState, formData: FormData) => Promise<CreateSearchState>;

const KINDS: { value: SearchFormValues["kind"]; label: string; help: string }[] = [
  { value: "bayesian", label: "Bayesian", help: "a Gaussian process picks each next trial" },
  { value: "random", label: "Random", help: "values drawn at random, seeded" },
  { value: "grid", label: "Grid", help: "every combination of the choices" },
];

export function SearchForm({
  action,
  initialValues,
}: {
  action: Action;
  initialValues: SearchFormValues;
}) {
  const [values, setValues] = useState<SearchFormValues>(initialValues);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const [serverState, formAction, pending] = useActionState(action, initialCreateSearchState);
  const formRef = useRef<HTMLFormElement>(null);

  const check = useMemo(() => checkSearchForm(values), [values]);
  const valuesJson = useMemo(() => JSON.stringify(values), [values]);
  const serverCurrent = serverState.valuesJson === valuesJson;

  const visible = (field: string) => {
    if (showAll || touched.has(field)) return true;
    // A whole-space message belongs to every row; show it once any row was touched.
    return field === "params" && [...touched].some((t) => t.startsWith("params."));
  };
  const messagesFor = (field: string) => {
    const errors = [
      ...(visible(field) ? (check.errors[field] ?? []) : []),
      ...(serverCurrent ? (serverState.errors[field] ?? []) : []),
    ];
    const warnings = visible(field) ? check.warnings[field] : undefined;
    return {
      errors: errors.length > 0 ? errors : undefined,
      warnings: warnings && warnings.length > 0 ? warnings : undefined,
    };
  };
  const field = (name: string) => messagesFor(name);

  const set = <K extends keyof SearchFormValues>(key: K, value: SearchFormValues[K]) =>
    setValues((v) => ({ ...v, [key]: value }));
  const setRow = (index: number, patch: Partial<ParamRow>) =>
    setValues((v) => ({
      ...v,
      params: v.params.map((r, i) => (i === index ? { ...r, ...patch } : r)),
    }));

  const errorCount = Object.values(check.errors).reduce((n, list) => n + list.length, 0);
  const formErrors = serverCurrent ? serverState.errors.form : undefined;

  return (
    <form
      ref={formRef}
      action={formAction}
      noValidate
      data-testid="search-form"
      onBlur={(e) => {
        const name = (e.target as HTMLElement).dataset.field;
        if (name && !touched.has(name)) setTouched(new Set(touched).add(name));
      }}
      onSubmit={(e) => {
        if (errorCount > 0) {
          // Nothing is sent while the form has problems; show them all and go to the first.
          e.preventDefault();
          setShowAll(true);
          requestAnimationFrame(() => {
            formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
          });
        }
      }}
    >
      <input type="hidden" name="values" value={valuesJson} />
      <div className="form-grid">
        <div>
          <section className="panel">
            <div className="panel-head">
              <h2>Search</h2>
            </div>
            <div className="panel-body fields">
              <div className="field span-12">
                <span className="label">Kind</span>
                <div className="segmented" role="radiogroup" aria-label="Kind">
                  {KINDS.map((k) => (
                    <label key={k.value} title={k.help}>
                      <input
                        type="radio"
                        name="kind-choice"
                        value={k.value}
                        checked={values.kind === k.value}
                        onChange={() => set("kind", k.value)}
                        data-testid={`kind-${k.value}`}
                      />
                      {k.label}
                    </label>
                  ))}
                </div>
                <span className="help">{KINDS.find((k) => k.value === values.kind)?.help}</span>
              </div>
              <Field field="description" label="Description" span={12} {...field("description")}>
                <input
                  type="text"
                  placeholder="What this search is trying out"
                  value={values.description}
                  onChange={(e) => set("description", e.target.value)}
                  {...controlProps("description", field("description").errors)}
                />
              </Field>
            </div>
          </section>

          <section className="panel">
            <div className="panel-head">
              <h2>Parameters</h2>
              <span className="hint">
                Each parameter fills the <code>:name:</code> placeholders of the command
              </span>
            </div>
            <div className="panel-body">
              <ParamRows
                rows={values.params}
                messagesFor={messagesFor}
                onChange={setRow}
                onAdd={() => set("params", [...values.params, emptyParamRow()])}
                onRemove={(index) =>
                  set(
                    "params",
                    values.params.filter((_, i) => i !== index),
                  )
                }
              />
            </div>
          </section>

          <section className="panel">
            <div className="panel-head">
              <h2>Command</h2>
              <span className="hint">Started without a shell; quotes group words</span>
            </div>
            <div className="panel-body fields">
              <Field
                field="command"
                label="Command"
                span={12}
                help={
                  <>
                    e.g. <code>python train.py --lr :lr: --layers :layers:</code>
                  </>
                }
                {...field("command")}
              >
                <input
                  type="text"
                  className="mono"
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="python train.py --lr :lr:"
                  value={values.command}
                  onChange={(e) => set("command", e.target.value)}
                  {...controlProps("command", field("command").errors)}
                />
              </Field>
              <Field field="cwd" label="Working directory" span={12} {...field("cwd")}>
                <input
                  type="text"
                  className="mono"
                  spellCheck={false}
                  value={values.cwd}
                  onChange={(e) => set("cwd", e.target.value)}
                  {...controlProps("cwd", field("cwd").errors)}
                />
              </Field>
            </div>
          </section>

          <section className="panel">
            <div className="panel-head">
              <h2>Objective and runs</h2>
            </div>
            <div className="panel-body fields">
              <Field
                field="metric"
                label="Metric"
                span={4}
                help="the name the script prints, e.g. loss or keras/val_acc"
                {...field("metric")}
              >
                <input
                  type="text"
                  className="mono"
                  spellCheck={false}
                  placeholder="val_loss"
                  value={values.metric}
                  onChange={(e) => set("metric", e.target.value)}
                  {...controlProps("metric", field("metric").errors)}
                />
              </Field>
              <Field field="metricAgg" label="Aggregation" span={4} {...field("metricAgg")}>
                <select
                  value={values.metricAgg}
                  onChange={(e) =>
                    set("metricAgg", e.target.value as SearchFormValues["metricAgg"])
                  }
                  {...controlProps("metricAgg", undefined)}
                >
                  <option value="last">last value</option>
                  <option value="min">minimum</option>
                  <option value="max">maximum</option>
                  <option value="avg">average</option>
                </select>
              </Field>
              <Field
                field="goal"
                label="Goal"
                span={4}
                help={
                  check.goal?.inferred
                    ? `inferred from the name: ${check.goal.goal}`
                    : check.goal
                      ? undefined
                      : "inferred from the metric's name unless set"
                }
                {...field("goal")}
              >
                <select
                  value={values.goal}
                  onChange={(e) => set("goal", e.target.value as SearchFormValues["goal"])}
                  {...controlProps("goal", undefined)}
                >
                  <option value="">
                    from the name{check.goal?.inferred ? ` (${check.goal.goal})` : ""}
                  </option>
                  <option value="maximize">maximize</option>
                  <option value="minimize">minimize</option>
                </select>
              </Field>
              <Field
                field="numRuns"
                label="Number of runs"
                span={3}
                help={values.kind === "grid" ? "blank: every grid point" : undefined}
                {...field("numRuns")}
              >
                <input
                  type="text"
                  inputMode="numeric"
                  value={values.numRuns}
                  onChange={(e) => set("numRuns", e.target.value)}
                  {...controlProps("numRuns", field("numRuns").errors)}
                />
              </Field>
              <Field field="parallelRuns" label="Parallel runs" span={3} {...field("parallelRuns")}>
                <input
                  type="text"
                  inputMode="numeric"
                  value={values.parallelRuns}
                  onChange={(e) => set("parallelRuns", e.target.value)}
                  {...controlProps("parallelRuns", field("parallelRuns").errors)}
                />
              </Field>
              <Field
                field="machineType"
                label="Machine type"
                span={3}
                help="cpu, or a type from hyperbayes.config.json"
                {...field("machineType")}
              >
                <input
                  type="text"
                  className="mono"
                  spellCheck={false}
                  value={values.machineType}
                  onChange={(e) => set("machineType", e.target.value)}
                  {...controlProps("machineType", field("machineType").errors)}
                />
              </Field>
              <Field
                field="timeoutMinutes"
                label="Timeout (minutes)"
                span={3}
                help="per trial; blank: none"
                {...field("timeoutMinutes")}
              >
                <input
                  type="text"
                  inputMode="decimal"
                  value={values.timeoutMinutes}
                  onChange={(e) => set("timeoutMinutes", e.target.value)}
                  {...controlProps("timeoutMinutes", field("timeoutMinutes").errors)}
                />
              </Field>
            </div>
          </section>

          <section className="panel">
            <div className="panel-head">
              <h2>Stop conditions</h2>
              <span className="hint">
                Stop a trial early, e.g. <code>val_loss &gt; 5:3</code> (metric, comparison, value,
                from step); join with <code>&amp;&amp;</code>
              </span>
            </div>
            <div className="panel-body">
              {values.stopConditions.map((text, i) => {
                const key = `stopConditions.${i}`;
                const m = messagesFor(key);
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional while typed
                  <div key={i} className="button-row" style={{ marginBottom: 8 }}>
                    <input
                      type="text"
                      className="mono"
                      style={{ flex: 1 }}
                      placeholder="keras/val_acc < 0.2:3"
                      value={text}
                      onChange={(e) =>
                        set(
                          "stopConditions",
                          values.stopConditions.map((t, j) => (j === i ? e.target.value : t)),
                        )
                      }
                      {...controlProps(key, m.errors)}
                    />
                    <button
                      type="button"
                      className="button ghost small"
                      aria-label="Remove stop condition"
                      onClick={() =>
                        set(
                          "stopConditions",
                          values.stopConditions.filter((_, j) => j !== i),
                        )
                      }
                    >
                      ✕
                    </button>
                    <div style={{ flexBasis: "100%" }}>
                      <Messages field={key} {...m} />
                    </div>
                  </div>
                );
              })}
              <Messages field="stopConditions" {...messagesFor("stopConditions")} />
              <button
                type="button"
                className="button small"
                disabled={values.stopConditions.length >= 5}
                onClick={() => set("stopConditions", [...values.stopConditions, ""])}
              >
                + Add stop condition
              </button>
            </div>
          </section>

          <section className="panel">
            <div className="panel-body">
              <details className="advanced">
                <summary>Advanced: environment, labels, seed, acquisition</summary>
                <div className="fields">
                  <Field
                    field="env"
                    label="Environment"
                    span={6}
                    help="KEY=VALUE, one per line"
                    {...field("env")}
                  >
                    <textarea
                      className="mono"
                      rows={3}
                      spellCheck={false}
                      value={values.env}
                      onChange={(e) => set("env", e.target.value)}
                      {...controlProps("env", field("env").errors)}
                    />
                  </Field>
                  <Field
                    field="labels"
                    label="Labels"
                    span={6}
                    help="comma-separated"
                    {...field("labels")}
                  >
                    <input
                      type="text"
                      value={values.labels}
                      onChange={(e) => set("labels", e.target.value)}
                      {...controlProps("labels", field("labels").errors)}
                    />
                  </Field>
                  <Field field="seed" label="Seed" span={3} help="blank: random" {...field("seed")}>
                    <input
                      type="text"
                      inputMode="numeric"
                      value={values.seed}
                      onChange={(e) => set("seed", e.target.value)}
                      {...controlProps("seed", field("seed").errors)}
                    />
                  </Field>
                  <Field field="acquisition" label="Acquisition" span={3} {...field("acquisition")}>
                    <select
                      value={values.acquisition}
                      onChange={(e) =>
                        set("acquisition", e.target.value as SearchFormValues["acquisition"])
                      }
                      {...controlProps("acquisition", undefined)}
                    >
                      <option value="ucb">UCB</option>
                      <option value="ei">EI</option>
                    </select>
                  </Field>
                  <Field
                    field="kappa"
                    label="Kappa"
                    span={3}
                    help="UCB only; blank: scheduled"
                    {...field("kappa")}
                  >
                    <input
                      type="text"
                      inputMode="decimal"
                      value={values.kappa}
                      onChange={(e) => set("kappa", e.target.value)}
                      {...controlProps("kappa", field("kappa").errors)}
                    />
                  </Field>
                  <Field
                    field="maxFailures"
                    label="Max failures"
                    span={3}
                    help="blank: number of runs"
                    {...field("maxFailures")}
                  >
                    <input
                      type="text"
                      inputMode="numeric"
                      value={values.maxFailures}
                      onChange={(e) => set("maxFailures", e.target.value)}
                      {...controlProps("maxFailures", field("maxFailures").errors)}
                    />
                  </Field>
                </div>
              </details>
            </div>
          </section>
        </div>

        <aside className="form-side">
          <section className="panel">
            <div className="panel-head">
              <h2>Equivalent command</h2>
              <CopyButton text={check.commandLines} />
            </div>
            <div className="panel-body">
              <pre className="code-block command-preview" data-testid="equivalent-command">
                {check.commandLines}
              </pre>
            </div>
            {formErrors ? (
              <div className="panel-body" style={{ paddingTop: 0 }}>
                <div className="notice" data-testid="error-form">
                  {formErrors.join("\n")}
                </div>
              </div>
            ) : null}
            <div className="form-actions">
              <span className="status" data-testid="form-status">
                {errorCount === 0
                  ? "Ready to queue"
                  : `${errorCount} problem${errorCount === 1 ? "" : "s"} to fix`}
              </span>
              <button
                type="submit"
                className="button primary"
                disabled={pending}
                data-testid="submit-search"
              >
                {pending ? "Queuing…" : "Queue search"}
              </button>
            </div>
          </section>
        </aside>
      </div>
    </form>
  );
}
