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
  type MachineChoice,
  type ParamRow,
  type SearchFormValues,
} from "../../lib/console/search-form";
import { CopyButton } from "../ui/CopyButton";
import { controlProps, Field, Messages, TextField } from "./Field";
import { ParamRows } from "./ParamRows";

/** The form fields typed as free text. */
type TextKey = {
  [K in keyof SearchFormValues]: SearchFormValues[K] extends string ? K : never;
}[keyof SearchFormValues];

type Action = (state: CreateSearchState, formData: FormData) => Promise<CreateSearchState>;

const KINDS: { value: SearchFormValues["kind"]; label: string; help: string }[] = [
  { value: "bayesian", label: "Bayesian", help: "a Gaussian process picks each next trial" },
  { value: "random", label: "Random", help: "values drawn at random, seeded" },
  { value: "grid", label: "Grid", help: "every combination of the choices" },
];

export function SearchForm({
  action,
  initialValues,
  machineTypes,
  machineProblem,
}: {
  action: Action;
  initialValues: SearchFormValues;
  /** What the machine type can be; the current value is kept even if it is not among them. */
  machineTypes: readonly MachineChoice[];
  /** Why the list is short (a broken config file), shown under the field. */
  machineProblem?: string;
}) {
  const [values, setValues] = useState<SearchFormValues>(initialValues);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const [serverState, formAction, pending] = useActionState(action, initialCreateSearchState);
  const formRef = useRef<HTMLFormElement>(null);

  const check = useMemo(() => checkSearchForm(values), [values]);
  const machineOptions = machineTypes.some((m) => m.name === values.machineType)
    ? machineTypes
    : [{ name: values.machineType, description: "" }, ...machineTypes];
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
  /** What a TextField of a string-valued form field needs from the form. */
  const text = (name: TextKey) => ({
    field: name,
    value: values[name],
    onChange: (value: string) => set(name, value),
    ...messagesFor(name),
  });

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
              <TextField
                {...text("description")}
                label="Description"
                span={12}
                placeholder="What this search is trying out"
              />
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
              <TextField
                {...text("command")}
                label="Command"
                span={12}
                help={
                  <>
                    e.g. <code>python train.py --lr :lr: --layers :layers:</code>
                  </>
                }
                mono
                autoComplete="off"
                placeholder="python train.py --lr :lr:"
              />
              <TextField {...text("cwd")} label="Working directory" span={12} mono />
            </div>
          </section>

          <section className="panel">
            <div className="panel-head">
              <h2>Objective and runs</h2>
            </div>
            <div className="panel-body fields">
              <TextField
                {...text("metric")}
                label="Metric"
                span={4}
                help="the name the script prints, e.g. loss or keras/val_acc"
                mono
                placeholder="val_loss"
              />
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
              <TextField
                {...text("numRuns")}
                label="Number of runs"
                span={3}
                help={values.kind === "grid" ? "blank: every grid point" : undefined}
                inputMode="numeric"
              />
              <TextField
                {...text("parallelRuns")}
                label="Parallel runs"
                span={3}
                inputMode="numeric"
              />
              <Field
                field="machineType"
                label="Machine type"
                span={3}
                help={
                  machineProblem ?? (
                    <>
                      more in <code>hyperbayes.config.json</code>
                    </>
                  )
                }
                {...field("machineType")}
              >
                <select
                  value={values.machineType}
                  onChange={(e) => set("machineType", e.target.value)}
                  {...controlProps("machineType", field("machineType").errors)}
                >
                  {machineOptions.map((m) => (
                    <option key={m.name} value={m.name} title={m.description}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </Field>
              <TextField
                {...text("timeoutMinutes")}
                label="Timeout (minutes)"
                span={3}
                help="per trial; blank: none"
                inputMode="decimal"
              />
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
                  <TextField {...text("labels")} label="Labels" span={6} help="comma-separated" />
                  <TextField
                    {...text("seed")}
                    label="Seed"
                    span={3}
                    help="blank: random"
                    inputMode="numeric"
                  />
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
                  <TextField
                    {...text("kappa")}
                    label="Kappa"
                    span={3}
                    help="UCB only; blank: scheduled"
                    inputMode="decimal"
                  />
                  <TextField
                    {...text("maxFailures")}
                    label="Max failures"
                    span={3}
                    help="blank: number of runs"
                    inputMode="numeric"
                  />
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
