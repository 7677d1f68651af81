"use client";
/**
 * The new-search form. Its fields are the settings table's rows (lib/search/settings.ts), each in
 * its section, shown where the setting applies to the chosen kind. Every keystroke re-runs
 * `checkSearchForm` (defineSearch, the CLI's definition), so problems show at their field as soon
 * as the field has been left, and the equivalent `hyperbayes` command is always in view. A form
 * with problems is never sent; the server action checks everything again and answers with
 * messages in the same shape.
 */
import { type ReactNode, useActionState, useMemo, useRef, useState } from "react";
import {
  type CreateSearchState,
  checkSearchForm,
  emptyParamRow,
  initialCreateSearchState,
  type MachineChoice,
  type ParamRow,
  type SearchFormValues,
} from "../../lib/console/search-form";
import {
  appliesTo,
  defaultText,
  type FormField,
  SETTING_ROWS,
  type Setting,
  type SettingKey,
} from "../../lib/search/settings";
import { CopyButton } from "../ui/CopyButton";
import { TextField } from "./Field";
import { ParamRows } from "./ParamRows";
import { SettingField } from "./SettingField";
import { StopConditions } from "./StopConditions";

type Action = (state: CreateSearchState, formData: FormData) => Promise<CreateSearchState>;

const KINDS: { value: SearchFormValues["kind"]; label: string; help: string }[] = [
  { value: "bayesian", label: "Bayesian", help: "a Gaussian process picks each next trial" },
  { value: "random", label: "Random", help: "values drawn at random, seeded" },
  { value: "grid", label: "Grid", help: "every combination of the choices" },
];

type Section = FormField["section"];

/** The panels, in order; a setting goes in the one its row names. */
const SECTIONS: { id: Section; title?: string; hint?: ReactNode }[] = [
  { id: "search", title: "Search" },
  {
    id: "parameters",
    title: "Parameters",
    hint: (
      <>
        Each parameter fills the <code>:name:</code> placeholders of the command
      </>
    ),
  },
  { id: "command", title: "Command", hint: "Started without a shell; quotes group words" },
  { id: "objective", title: "Objective and runs" },
  {
    id: "stop",
    title: "Stop conditions",
    hint: (
      <>
        Stop a trial early, e.g. <code>val_loss &gt; 5:3</code> (metric, comparison, value, from
        step); join with <code>&amp;&amp;</code>
      </>
    ),
  },
  { id: "advanced" },
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
      ...(errors.length > 0 ? { errors } : {}),
      ...(warnings && warnings.length > 0 ? { warnings } : {}),
    };
  };

  const set = <K extends keyof SearchFormValues>(key: K, value: SearchFormValues[K]) =>
    setValues((v) => ({ ...v, [key]: value }));
  const setRow = (index: number, patch: Partial<ParamRow>) =>
    setValues((v) => ({
      ...v,
      params: v.params.map((r, i) => (i === index ? { ...r, ...patch } : r)),
    }));

  const rowsOf = (section: Section) =>
    SETTING_ROWS.filter(([, row]) => row.form?.section === section && appliesTo(row, values.kind));

  /** A field whose control is its own component; the others are drawn from their row. */
  const special = (key: SettingKey, row: Setting, form: FormField): ReactNode => {
    switch (form.control) {
      case "rows":
        return (
          <ParamRows
            key={key}
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
        );
      case "conditions":
        return (
          <StopConditions
            key={key}
            field={key}
            texts={values.stopConditions}
            placeholder={form.placeholder}
            onChange={(texts) => set("stopConditions", texts)}
            messagesFor={messagesFor}
          />
        );
      case "command":
        return (
          <TextField
            key={key}
            field={key}
            label={form.label}
            span={form.span ?? 12}
            value={values.command}
            onChange={(v) => set("command", v)}
            help={
              <>
                e.g. <code>python train.py --lr :lr: --layers :layers:</code>
              </>
            }
            mono
            autoComplete="off"
            {...(form.placeholder ? { placeholder: form.placeholder } : {})}
            {...messagesFor(key)}
          />
        );
      case "machine":
        return (
          <SettingField
            key={key}
            name={key}
            row={row}
            kind={values.kind}
            value={values.machineType}
            onChange={(v) => set("machineType", v)}
            messages={messagesFor(key)}
            options={machineOptions.map((m) => ({
              value: m.name,
              label: m.name,
              title: m.description,
            }))}
            help={
              machineProblem ?? (
                <>
                  default: {defaultText(row)}; more in <code>hyperbayes.config.json</code>
                </>
              )
            }
          />
        );
      default:
        return undefined;
    }
  };

  // The goal shows what the metric's name says, as it is typed.
  const goalHelp = check.goal?.inferred
    ? `inferred from the name: ${check.goal.goal}`
    : check.goal
      ? ""
      : undefined;
  const goalBlank = `from the name${check.goal?.inferred ? ` (${check.goal.goal})` : ""}`;

  const fieldsOf = (section: Section) =>
    rowsOf(section).map(([key, row]) => {
      const form = row.form as FormField;
      const own = special(key, row, form);
      if (own !== undefined) return own;
      return (
        <SettingField
          key={key}
          name={key}
          row={row}
          kind={values.kind}
          value={values[key] as string}
          onChange={(v) => set(key, v as never)}
          messages={messagesFor(key)}
          {...(key === "goal" ? { blankLabel: goalBlank } : {})}
          {...(key === "goal" && goalHelp !== undefined ? { help: goalHelp || null } : {})}
        />
      );
    });

  const kindField = (
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
  );

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
          {SECTIONS.map((section) => (
            <section className="panel" key={section.id}>
              {section.title ? (
                <div className="panel-head">
                  <h2>{section.title}</h2>
                  {section.hint ? <span className="hint">{section.hint}</span> : null}
                </div>
              ) : null}
              {section.id === "advanced" ? (
                <div className="panel-body">
                  <details className="advanced">
                    <summary>
                      Advanced:{" "}
                      {rowsOf("advanced")
                        .map(([, r]) => r.form?.label.toLowerCase())
                        .join(", ")}
                    </summary>
                    <div className="fields">{fieldsOf("advanced")}</div>
                  </details>
                </div>
              ) : (
                <div className={section.id === "parameters" ? "panel-body" : "panel-body fields"}>
                  {section.id === "search" ? kindField : null}
                  {fieldsOf(section.id)}
                </div>
              )}
            </section>
          ))}
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
