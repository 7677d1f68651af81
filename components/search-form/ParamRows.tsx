/**
 * The parameters of a search as editable rows: a range (min, max, scale, type) or a list of
 * choices. Each control reports its messages under its own cell.
 */
import type { ParamRow } from "../../lib/console/search-form";
import { controlProps, Messages } from "./Field";

export function ParamRows({
  rows,
  onChange,
  onRemove,
  onAdd,
  messagesFor,
}: {
  rows: ParamRow[];
  onChange: (index: number, patch: Partial<ParamRow>) => void;
  onRemove: (index: number) => void;
  onAdd: () => void;
  messagesFor: (field: string) => { errors?: string[]; warnings?: string[] };
}) {
  return (
    <div>
      <table className="param-table" data-testid="param-rows">
        <thead>
          <tr>
            <th style={{ width: "22%" }}>Name</th>
            <th style={{ width: 104 }}>Kind</th>
            <th>Min</th>
            <th>Max</th>
            <th style={{ width: 120 }}>Scale</th>
            <th style={{ width: 88 }}>Type</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => {
            const key = (f: string) => `params.${i}.${f}`;
            const m = (f: string) => messagesFor(key(f));
            return (
              // Rows have no identity beyond their position while being typed.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <tr key={i} data-testid={`param-row-${i}`}>
                <td>
                  <input
                    type="text"
                    className="mono"
                    placeholder="learning_rate"
                    autoComplete="off"
                    spellCheck={false}
                    value={row.name}
                    onChange={(e) => onChange(i, { name: e.target.value })}
                    {...controlProps(key("name"), m("name").errors)}
                  />
                  <Messages field={key("name")} {...m("name")} />
                </td>
                <td>
                  <select
                    value={row.kind}
                    onChange={(e) => onChange(i, { kind: e.target.value as ParamRow["kind"] })}
                    {...controlProps(key("kind"), undefined)}
                  >
                    <option value="range">range</option>
                    <option value="choice">choices</option>
                  </select>
                </td>
                {row.kind === "range" ? (
                  <>
                    <td>
                      <input
                        type="text"
                        inputMode="decimal"
                        className="mono"
                        placeholder="0.0001"
                        value={row.min}
                        onChange={(e) => onChange(i, { min: e.target.value })}
                        {...controlProps(key("min"), m("min").errors)}
                      />
                      <Messages field={key("min")} {...m("min")} />
                    </td>
                    <td>
                      <input
                        type="text"
                        inputMode="decimal"
                        className="mono"
                        placeholder="0.1"
                        value={row.max}
                        onChange={(e) => onChange(i, { max: e.target.value })}
                        {...controlProps(key("max"), m("max").errors)}
                      />
                      <Messages field={key("max")} {...m("max")} />
                    </td>
                    <td>
                      <select
                        value={row.scale}
                        onChange={(e) =>
                          onChange(i, { scale: e.target.value as ParamRow["scale"] })
                        }
                        {...controlProps(key("scale"), m("scale").errors)}
                      >
                        <option value="linear">linear</option>
                        <option value="log">log</option>
                        <option value="reverse_log">reverse log</option>
                      </select>
                      <Messages field={key("scale")} {...m("scale")} />
                    </td>
                    <td>
                      <select
                        value={row.type}
                        onChange={(e) => onChange(i, { type: e.target.value as ParamRow["type"] })}
                        {...controlProps(key("type"), m("type").errors)}
                      >
                        <option value="float">float</option>
                        <option value="int">int</option>
                      </select>
                      <Messages field={key("type")} {...m("type")} />
                    </td>
                  </>
                ) : (
                  <td colSpan={4} className="choice-cell">
                    <input
                      type="text"
                      className="mono"
                      placeholder='adam, sgd, rmsprop   (or a JSON list: ["a,b", "c"])'
                      autoComplete="off"
                      spellCheck={false}
                      value={row.values}
                      onChange={(e) => onChange(i, { values: e.target.value })}
                      {...controlProps(key("values"), m("values").errors)}
                    />
                    <Messages field={key("values")} {...m("values")} />
                  </td>
                )}
                <td>
                  <button
                    type="button"
                    className="button ghost small"
                    aria-label={`Remove parameter ${row.name || i + 1}`}
                    title="Remove"
                    onClick={() => onRemove(i)}
                  >
                    ✕
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Messages field="params" {...messagesFor("params")} />
      <button type="button" className="button small" onClick={onAdd} data-testid="add-param">
        + Add parameter
      </button>
    </div>
  );
}
