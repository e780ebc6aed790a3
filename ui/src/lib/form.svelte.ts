// The state of the invoice form: the draft as typed, autosave, totals and issues from the
// Rust side, field errors, attachments and submission. Components render it; the logic lives
// here so that it does not depend on markup.

import * as api from "./api";
import { toIpcError } from "./api";
import { Autosaver, type SaveState } from "./autosave";
import { declaredHeader, fieldRequired, fieldShown, headerField } from "./fields";
import { locale } from "./locale.svelte";
import { beginSubmit, endSubmit } from "./outbox.svelte";
import { formatForInput } from "./money";
import { addAmounts, discountOnBasis, unitPriceAfterDiscount, type UnitPrice } from "./lineAmount";
import { uuid } from "./uuid";
import type {
  Address,
  BackendAnswer,
  Capabilities,
  Draft,
  DraftDiscount,
  DraftLine,
  DraftView,
  Evaluation,
  FieldIssue,
  FieldSpec,
  HeaderField,
  HeaderKey,
  HistoryEntry,
  IpcError,
  LineAmounts,
  PriceBasis,
  Product,
  ReadyConnection,
  Relation,
  SubmissionState,
  SubmitResult,
  SubmitStatus,
  Text,
  Totals,
  UploadProgress,
} from "./types";

/** What the last submission attempt came to. */
export interface Outcome {
  state: SubmissionState | "error";
  draftId: string;
  remoteId: string | null;
  number: string | null;
  message: string;
  error: IpcError | null;
  /** What the invoice was, for the clerk to look it up: the relation's name, total, date. */
  relation: string;
  gross: string;
  issueDate: string;
  /** Whether the form went on to a fresh draft (the invoice is in the outbox, not here). */
  fresh: boolean;
  /** What the back end said of the sent invoice (state in words, totals beside ours). */
  answer?: BackendAnswer | null;
}

const LINE_PATH = /^(lines|attachments)\[(\d+)\](.*)$/;
const LINE_KEY = /^(lines|attachments)#([^.]+)(.*)$/;

export const RELATION_LIMIT = 20;
export const PRODUCT_LIMIT = 20;
/** A failed save is tried again after this long. */
export const RETRY_MS = 3000;

/** A line's amount on a price basis. */
function amountOn(a: LineAmounts, basis: PriceBasis): string {
  return basis === "incl_vat" ? a.gross : a.net;
}

/** A discount given as an amount moved to the other basis (`discountOnBasis`), as the clerk
 * would type it; null when it does not change (none, a percentage, not a number). */
function movedDiscount(x: DraftDiscount | null | undefined, from: string, to: string): DraftDiscount | null {
  const m = x ? discountOnBasis(x, from, to) : null;
  return m ? { kind: m.kind, value: formatForInput(m.value, locale.lang) } : null;
}

export class InvoiceFormState {
  readonly connection: ReadyConnection;

  draft = $state<Draft | null>(null);
  loadError = $state<IpcError | null>(null);
  totals = $state<Totals | null>(null);
  lineAmounts = $state<Record<string, LineAmounts | null>>({});
  issues = $state<Record<string, Text>>({});
  /** Notes from the evaluation that never block sending, by field key. */
  warnings = $state<Record<string, Text>>({});
  touched = $state<Record<string, boolean>>({});
  submitAttempted = $state(false);
  serverErrors = $state<Record<string, string>>({});

  saveState = $state<SaveState>("idle");
  saveError = $state<IpcError | null>(null);
  savedAt = $state<Date | null>(null);

  submitting = $state(false);
  outcome = $state<Outcome | null>(null);

  addresses = $state<Address[]>([]);
  addressesLoading = $state(false);
  addressesError = $state<IpcError | null>(null);

  /** Counts drafts shown after a submission, so the view can return to the top. */
  freshDrafts = $state(0);

  attachBusy = $state(false);
  attachError = $state<IpcError | null>(null);
  uploads = $state<Record<string, { sent: number; total: number }>>({});

  private lastJson = "";
  /** Per line id: the description a product last filled in, to tell it from typed text. */
  private productDescriptions: Record<string, string> = {};
  /** Per line id: the line-field values a product last filled in, to tell them from typed ones. */
  private productFieldValues: Record<string, Record<string, string>> = {};
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private addressSeq = 0;
  private readonly saver: Autosaver<Draft, Evaluation>;

  constructor(connection: ReadyConnection, save: (d: Draft) => Promise<Evaluation> = api.saveDraft) {
    this.connection = connection;
    this.saver = new Autosaver<Draft, Evaluation>(save, {
      onSaved: (evaluation, sent, latest) => {
        this.saveError = null;
        this.savedAt = new Date();
        if (latest && sent.id === this.draft?.id) this.applyEvaluation(evaluation, sent);
      },
      onError: (e) => {
        this.saveError = toIpcError(e);
        // Try again by itself; a newer change is sent anyway.
        if (this.retryTimer === undefined) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.saver.retry();
          }, RETRY_MS);
        }
      },
      onState: (s) => {
        this.saveState = s;
      },
    });
  }

  get caps(): Capabilities {
    return this.connection.capabilities;
  }

  /** The standard header fields the system has (date, reference, price basis). */
  get header(): HeaderField[] {
    return declaredHeader(this.caps);
  }

  /** One standard header field, or null when the system does not have it. */
  headerField(key: HeaderKey): HeaderField | null {
    return headerField(this.caps, key);
  }

  /** Whether a declared field is shown now (it follows the field its condition names). */
  shown(spec: FieldSpec, line: DraftLine | null = null): boolean {
    return this.draft ? fieldShown(spec, this.draft, this.caps, line) : false;
  }

  /** Whether a declared field must be filled in now. */
  required(spec: FieldSpec, line: DraftLine | null = null): boolean {
    return this.draft ? fieldRequired(spec, this.draft, this.caps, line) : spec.required;
  }

  /** Most characters a line's description may have, or null. */
  get descriptionMaxLen(): number | null {
    return this.caps.description_max_len ?? null;
  }

  /** The administration for look-ups; "" for systems that have none. */
  get administrationId(): string | null {
    if (!this.caps.administrations) return "";
    return this.draft?.administration_id ?? this.connection.administration_id;
  }

  /** Whether another line may be added (the back end's maximum is not reached). */
  get canAddLine(): boolean {
    const max = this.caps.max_lines;
    return max === null || max === undefined || (this.draft?.lines.length ?? 0) < max;
  }

  /** Loads the open draft of the connection (or a new one). */
  async start(): Promise<void> {
    try {
      const view = await api.currentDraft(this.connection.id);
      this.load(view);
      this.loadError = null;
    } catch (e) {
      this.loadError = toIpcError(e);
    }
  }

  /** Shows a draft from the Rust side; the form starts untouched. */
  load(view: DraftView): void {
    this.lastJson = JSON.stringify(view.draft);
    const d: Draft = structuredClone(view.draft);
    if (!d.administration_id && this.connection.administration_id) {
      d.administration_id = this.connection.administration_id;
    }
    const seen = new Set<string>();
    for (const l of d.lines) {
      if (seen.has(l.id)) l.id = uuid();
      seen.add(l.id);
    }
    if (d.lines.length === 0) d.lines.push(this.newLine());
    this.productDescriptions = {};
    for (const l of d.lines) if (l.product) this.productDescriptions[l.id] = l.product.description;
    this.productFieldValues = {};
    for (const l of d.lines) if (l.product) this.productFieldValues[l.id] = { ...(l.product.line_defaults ?? {}) };
    this.draft = d;
    this.touched = {};
    this.submitAttempted = false;
    this.serverErrors = {};
    this.uploads = {};
    this.attachError = null;
    this.applyEvaluation(view.evaluation, d);
    this.addresses = [];
    this.addressesError = null;
    if (d.relation && this.caps.addresses) void this.loadAddresses();
  }

  /**
   * Schedules a save when the draft differs from what was last sent. Called from an effect, so
   * it reads the whole draft and runs again after every change.
   */
  sync(): void {
    if (!this.draft) return;
    const snap = $state.snapshot(this.draft) as Draft;
    const json = JSON.stringify(snap);
    if (json === this.lastJson) return;
    this.lastJson = json;
    this.saver.schedule(snap);
  }

  retrySave(): void {
    this.saver.retry();
  }

  /** Resolves when everything typed so far is saved; false when saving failed. */
  flush(): Promise<boolean> {
    this.sync();
    return this.saver.flush();
  }

  applyEvaluation(ev: Evaluation, sent: Draft): void {
    const amounts: Record<string, LineAmounts | null> = {};
    sent.lines.forEach((l, i) => {
      amounts[l.id] = ev.line_amounts[i] ?? null;
    });
    this.lineAmounts = amounts;
    this.totals = ev.totals;
    this.issues = byField(ev.issues, sent);
    this.warnings = byField(ev.warnings ?? [], sent);
  }

  /** The stable key of a field path: line and attachment indexes become their ids. */
  key(path: string): string {
    return this.draft ? keyFor(path, this.draft) : path;
  }

  /** The message to show next to a field, or null. */
  error(path: string): string | null {
    const k = this.key(path);
    const server = this.serverErrors[k];
    if (server) return server;
    const issue = this.issues[k];
    if (issue && (this.submitAttempted || this.touched[k])) {
      return issue[locale.lang] || issue.en;
    }
    return null;
  }

  /** The note to show next to a field, or null. Notes show at once and never block. */
  warning(path: string): string | null {
    const w = this.warnings[this.key(path)];
    return w ? w[locale.lang] || w.en : null;
  }

  /** The user left a field: its problems may now be shown. */
  touch(path: string): void {
    const k = this.key(path);
    if (!this.touched[k]) this.touched[k] = true;
  }

  /** The user changed a field: a message the back end gave for it no longer applies. */
  edited(path: string): void {
    const k = this.key(path);
    if (k in this.serverErrors) delete this.serverErrors[k];
  }

  newLine(): DraftLine {
    const extra: Record<string, string> = {};
    for (const f of this.caps.line_fields) {
      if (f.default !== null) extra[f.key] = f.default;
    }
    return {
      id: uuid(),
      product: null,
      description: "",
      quantity: "1",
      unit_price: "",
      vat_code: this.caps.vat_rates[0]?.code ?? "",
      extra_description: "",
      extra,
    };
  }

  /** Adds an empty line at the end; returns its index, or -1 when no line may be added. */
  addLine(): number {
    if (!this.draft || !this.canAddLine) return -1;
    this.draft.lines.push(this.newLine());
    return this.draft.lines.length - 1;
  }

  removeLine(index: number): void {
    if (!this.draft) return;
    this.draft.lines.splice(index, 1);
    if (this.draft.lines.length === 0) this.draft.lines.push(this.newLine());
  }

  /**
   * Fills a line from a product: description, price on the draft's basis, VAT code, and the
   * system's declared line fields the product has values for. A description or field value
   * typed by hand is kept; one that came from the previous product is replaced (or emptied when
   * the new product has none).
   */
  pickProduct(index: number, product: Product): void {
    const d = this.draft;
    const line = d?.lines[index];
    if (!d || !line) return;
    const typed = line.description.trim();
    const fromProduct = this.productDescriptions[line.id] ?? line.product?.description;
    const before = this.productFieldValues[line.id] ?? line.product?.line_defaults ?? {};
    if (typed === "" || typed === fromProduct?.trim()) {
      line.description = product.description;
    }
    this.productDescriptions[line.id] = product.description;
    line.product = product;
    const price = d.price_basis === "incl_vat" ? product.price_incl : product.price_excl;
    if (price !== null && price !== "") line.unit_price = formatForInput(price, locale.lang);
    if (product.vat_code && this.caps.vat_rates.some((r) => r.code === product.vat_code)) {
      line.vat_code = product.vat_code;
    }
    const defaults = product.line_defaults ?? {};
    const filled: Record<string, string> = {};
    for (const f of this.caps.line_fields) {
      const now = (line.extra[f.key] ?? "").trim();
      const fromProduct = before[f.key];
      if (now !== "" && now !== fromProduct?.trim()) continue;
      const value = defaults[f.key] ?? "";
      if (value === "" && now === "") continue;
      line.extra[f.key] = value;
      if (value !== "") filled[f.key] = value;
      this.edited(`lines[${index}].${f.key}`);
    }
    this.productFieldValues[line.id] = filled;
    for (const f of ["product", "description", "unit_price", "vat_code", ""]) {
      this.edited(f ? `lines[${index}].${f}` : `lines[${index}]`);
    }
  }

  /**
   * Whether each line shows its amounts excl. VAT, VAT and incl. VAT and takes a typed line
   * amount instead of the price per item: a system that rounds VAT per line, where each line's
   * amounts are what it keeps.
   */
  get lineAmountsShown(): boolean {
    return this.caps.rounding === "per_line";
  }

  /**
   * Moves the invoice to the other price basis with everything it is worth kept: the lines'
   * prices are converted so their amounts on the new basis stay, and a discount given as an
   * amount (a line's, the invoice's) becomes the same discount on the new basis, so no total
   * changes by a switch the clerk did not ask for. A percentage stays as it is. The line at
   * `typed`, whose amount the clerk is typing, takes `typedDiscount` (its own discount already
   * moved) and keeps its price, which the caller sets.
   */
  private switchBasis(
    d: Draft,
    basis: PriceBasis,
    typed: number,
    typedDiscount: DraftDiscount | null,
    quantity: (l: DraftLine) => string,
    discount: (l: DraftLine) => DraftDiscount | null | undefined,
  ): void {
    let from: string | null = "0";
    let to: string | null = "0";
    d.lines.forEach((l, i) => {
      const a = this.lineAmounts[l.id];
      if (!a) return;
      from = from === null ? null : addAmounts(from, amountOn(a, d.price_basis));
      to = to === null ? null : addAmounts(to, amountOn(a, basis));
      const own = i === typed ? typedDiscount : movedDiscount(discount(l), amountOn(a, d.price_basis), amountOn(a, basis));
      if (own) {
        l.discount = own;
        this.edited(`lines[${i}].discount`);
      }
      if (i === typed || l.unit_price.trim() === "") return;
      const other = unitPriceAfterDiscount(amountOn(a, basis), quantity(l), this.caps.price_dp, discount(l));
      if (other) {
        l.unit_price = formatForInput(other.price, locale.lang);
        this.edited(`lines[${i}].unit_price`);
      }
    });
    const whole =
      this.caps.discounts.invoice && from !== null && to !== null ? movedDiscount(d.discount, from, to) : null;
    if (whole) {
      d.discount = whole;
      this.edited("discount");
    }
    d.price_basis = basis;
    this.edited("price_basis");
  }

  /**
   * The clerk typed a line's amount excl. or incl. VAT: the price per item follows, on that
   * basis, so the amount typed is kept exactly (as with prices typed incl. VAT). When the
   * invoice was on the other basis it switches, with what everything is worth kept
   * (`switchBasis`). A quantity left empty counts as one. On a line with
   * its own discount the amount is what the line comes to after it, as the line shows it.
   * Returns what the price gives, or null when the amount is not a number.
   */
  setLineAmount(index: number, basis: PriceBasis, text: string): UnitPrice | null {
    const d = this.draft;
    const line = d?.lines[index];
    if (!d || !line || !this.caps.price_bases.includes(basis)) return null;
    const quantity = (l: DraftLine) => (l.quantity.trim() === "" ? "1" : l.quantity);
    // What a line shows is after its own discount; so is an amount typed there.
    const discount = (l: DraftLine) => (this.caps.discounts.line ? l.discount : null);
    // On a switch of basis, the line's own discount as it will be on the new one.
    const a = this.lineAmounts[line.id];
    const moved =
      d.price_basis !== basis && a ? movedDiscount(discount(line), amountOn(a, d.price_basis), amountOn(a, basis)) : null;
    const r = unitPriceAfterDiscount(text, quantity(line), this.caps.price_dp, moved ?? discount(line));
    if (!r) return null;
    if (d.price_basis !== basis) this.switchBasis(d, basis, index, moved, quantity, discount);
    if (line.quantity.trim() === "") {
      line.quantity = "1";
      this.edited(`lines[${index}].quantity`);
    }
    line.unit_price = formatForInput(r.price, locale.lang);
    this.edited(`lines[${index}].unit_price`);
    return r;
  }

  clearProduct(index: number): void {
    const line = this.draft?.lines[index];
    if (line && line.product) {
      line.product = null;
      this.edited(`lines[${index}].product`);
    }
  }

  setRelation(relation: Relation | null): void {
    if (!this.draft) return;
    this.draft.relation = relation;
    this.draft.address_id = null;
    this.edited("relation");
    this.edited("address_id");
    this.addresses = [];
    this.addressesError = null;
    this.addressSeq++;
    if (relation && this.caps.addresses) void this.loadAddresses();
  }

  async loadAddresses(): Promise<void> {
    const d = this.draft;
    if (!d?.relation) return;
    const seq = ++this.addressSeq;
    const relation = $state.snapshot(d.relation) as Relation;
    this.addressesLoading = true;
    try {
      const list = await api.relationAddresses(this.connection.id, this.administrationId, relation);
      if (seq === this.addressSeq) {
        this.addresses = list;
        this.addressesError = null;
      }
    } catch (e) {
      if (seq === this.addressSeq) this.addressesError = toIpcError(e);
    } finally {
      if (seq === this.addressSeq) this.addressesLoading = false;
    }
  }

  /**
   * Another administration was chosen. Products belong to an administration, so the lines lose
   * their product (description and price stay), as the Rust side does with the stored draft;
   * the relation's addresses are looked up again.
   */
  setAdministration(id: string | null): void {
    const d = this.draft;
    if (!d || !id || d.administration_id === id) return;
    const had = d.administration_id;
    d.administration_id = id;
    this.edited("administration");
    if (!had) return;
    // A product of one administration is not one of another; a system whose products belong to
    // the whole environment keeps them.
    if (this.caps.products_per_administration) for (const l of d.lines) l.product = null;
    if (d.relation && this.caps.addresses) {
      d.address_id = null;
      void this.loadAddresses();
    }
    this.clearOtherAdministrationsLookups();
  }

  /**
   * Clears the look-up values chosen under the administration before (an owner's units, ledger
   * accounts and contracts), in the header and on every line: those of a list kept per
   * administration, those filtered by the administration, and, in turn, those filtered by a
   * value cleared here. The system would refuse them; the clerk chooses again.
   */
  private clearOtherAdministrationsLookups(): void {
    const d = this.draft;
    if (!d) return;
    const caps = this.caps;
    const cleared = new Set<string>(["administration"]);
    const belongs = ({ kind }: FieldSpec): boolean => {
      if (kind.type !== "lookup") return false;
      const list = caps.lists.find((l) => l.name === kind.list);
      return list?.scope.type === "administration" || kind.filter.some((x) => cleared.has(x.from_field));
    };
    for (let changed = true; changed; ) {
      changed = false;
      for (const f of caps.header_fields) {
        if (cleared.has(f.key) || !belongs(f)) continue;
        cleared.add(f.key);
        changed = true;
        if ((d.extra[f.key] ?? "") !== "") {
          d.extra[f.key] = "";
          this.edited(`extra.${f.key}`);
        }
      }
      for (const f of caps.line_fields) {
        if (cleared.has(f.key) || !belongs(f)) continue;
        cleared.add(f.key);
        changed = true;
        d.lines.forEach((l, i) => {
          if ((l.extra[f.key] ?? "") === "") return;
          l.extra[f.key] = "";
          this.edited(`lines[${i}].${f.key}`);
        });
      }
    }
  }

  searchRelations(query: string): Promise<Relation[]> {
    return api.searchRelations(this.connection.id, this.administrationId, query, RELATION_LIMIT);
  }

  searchProducts(query: string): Promise<Product[]> {
    return api.searchProducts(this.connection.id, this.administrationId, query, PRODUCT_LIMIT);
  }

  async attach(): Promise<void> {
    const d = this.draft;
    if (!d || this.attachBusy) return;
    this.attachBusy = true;
    this.attachError = null;
    try {
      await this.flush();
      this.mergeAttachments(await api.pickAttachments(d.id));
    } catch (e) {
      const err = toIpcError(e);
      if (err.code !== "cancelled") this.attachError = err;
    } finally {
      this.attachBusy = false;
    }
  }

  async removeAttachment(id: string): Promise<void> {
    const d = this.draft;
    if (!d) return;
    this.attachError = null;
    try {
      await this.flush();
      this.mergeAttachments(await api.removeAttachment(d.id, id));
    } catch (e) {
      this.attachError = toIpcError(e);
    }
  }

  private mergeAttachments(view: DraftView): void {
    if (this.draft && view.draft.id === this.draft.id) {
      this.draft.attachments = view.draft.attachments;
    }
  }

  onUploadProgress(p: UploadProgress): void {
    if (p.draft_id !== this.outcome?.draftId && p.draft_id !== this.draft?.id) return;
    this.uploads[p.attachment_id] = { sent: p.sent, total: p.total };
  }

  /**
   * The submitted invoice changed state (e.g. the background sent it after all). The event
   * that repeats the result the form already shows changes nothing.
   */
  onSubmitStatus(s: SubmitStatus): void {
    const o = this.outcome;
    if (!o || o.draftId !== s.draft_id) return;
    if (o.state === s.state && (s.message === "" || s.message === o.message)) return;
    o.state = s.state;
    o.message = s.message;
    o.error = null;
  }

  /** Takes the number and id of the shown invoice from the history once it is sent, and what
   * the system answered (its totals, its document) when the result screen has none yet. */
  adoptEntries(entries: HistoryEntry[]): void {
    const o = this.outcome;
    if (!o || o.state !== "sent") return;
    const e = entries.find((x) => x.draft_id === o.draftId);
    if (!e || e.state !== "sent") return;
    if (!o.number && !o.remoteId && (e.number || e.remote_id)) {
      o.number = e.number;
      o.remoteId = e.remote_id;
    }
    if (!o.answer && e.answer) o.answer = e.answer;
  }

  /** Saves, then submits. Does nothing while a submission is running. */
  async submit(): Promise<void> {
    const d = this.draft;
    if (!d || this.submitting) return;
    this.submitting = true;
    this.submitAttempted = true;
    this.outcome = null;
    this.serverErrors = {};
    this.uploads = {};
    const draftId = d.id;
    let state: SubmissionState | null = null;
    beginSubmit(draftId);
    try {
      const saved = await this.flush();
      if (!saved) {
        this.showError(draftId, this.saveError ?? { code: "store", message: "" });
        return;
      }
      const what = this.described(d);
      const res = await api.submitDraft(draftId);
      state = res.state;
      await this.handleResult(draftId, res, what);
    } catch (e) {
      this.showError(draftId, toIpcError(e));
    } finally {
      this.submitting = false;
      endSubmit(draftId, state);
    }
  }

  /** The invoice as the clerk would look it up: relation, total and date. */
  private described(d: Draft): Pick<Outcome, "relation" | "gross" | "issueDate"> {
    return {
      relation: d.relation?.name ?? "",
      gross: this.totals?.gross ?? "0",
      issueDate: d.issue_date,
    };
  }

  private async handleResult(
    draftId: string,
    res: SubmitResult,
    what: Pick<Outcome, "relation" | "gross" | "issueDate">,
  ): Promise<void> {
    this.outcome = {
      state: res.state,
      draftId,
      remoteId: res.remote_id,
      number: res.number,
      message: res.message,
      error: res.error,
      ...what,
      fresh: false,
      answer: res.answer ?? null,
    };
    if (res.state === "refused" || res.state === "draft") {
      if (res.error) this.setServerErrors(res.error);
      return;
    }
    if (res.next) {
      this.load(res.next);
      this.freshDrafts++;
      this.outcome.fresh = true;
    } else if (res.state === "sent") {
      try {
        this.load(await api.newDraft(this.connection.id));
        this.freshDrafts++;
        this.outcome.fresh = true;
      } catch (e) {
        this.loadError = toIpcError(e);
      }
    }
  }

  private showError(draftId: string, err: IpcError): void {
    const d = this.draft;
    this.outcome = {
      state: "error",
      draftId,
      remoteId: null,
      number: null,
      message: err.message,
      error: err,
      relation: d?.relation?.name ?? "",
      gross: this.totals?.gross ?? "0",
      issueDate: d?.issue_date ?? "",
      fresh: false,
    };
    this.setServerErrors(err);
  }

  private setServerErrors(err: IpcError): void {
    const out: Record<string, string> = {};
    const fields = err.fields && err.fields.length > 0
      ? err.fields
      : err.field
        ? [{ field: err.field, message: err.message }]
        : [];
    for (const f of fields) {
      const k = this.key(f.field);
      out[k] = out[k] ? `${out[k]} ${f.message}` : f.message;
    }
    this.serverErrors = out;
  }

  /** The field keys the form shows messages next to. */
  placedKeys(): Set<string> {
    const s = new Set<string>(["relation", "lines", "price_basis"]);
    for (const h of this.header) s.add(h.key);
    if (this.caps.administrations) s.add("administration");
    if (this.caps.addresses) {
      s.add("address_id");
      s.add("address");
    }
    const attachmentsShown = this.caps.attachments || (this.draft?.attachments.length ?? 0) > 0;
    if (attachmentsShown) s.add("attachments");
    for (const f of this.caps.header_fields) if (this.shown(f)) s.add(`extra.${f.key}`);
    const d = this.draft;
    if (d) {
      const lineFields = ["", ".product", ".description", ".quantity", ".unit_price", ".vat_code", ".extra_description"];
      for (const l of d.lines) {
        for (const f of lineFields) s.add(`lines#${l.id}${f}`);
        for (const f of this.caps.line_fields) if (this.shown(f, l)) s.add(`lines#${l.id}.${f.key}`);
      }
      for (const a of d.attachments) s.add(`attachments#${a.id}`);
    }
    return s;
  }

  /** Messages for fields the form has no place for, so that none is swallowed. */
  unplacedErrors(): { field: string; message: string }[] {
    const placed = this.placedKeys();
    const out: { field: string; message: string }[] = [];
    for (const [k, message] of Object.entries(this.serverErrors)) {
      if (!placed.has(k)) out.push({ field: pathFor(k, this.draft), message });
    }
    if (this.submitAttempted) {
      for (const [k, text] of Object.entries(this.issues)) {
        if (!placed.has(k) && !(k in this.serverErrors)) {
          out.push({ field: pathFor(k, this.draft), message: text[locale.lang] || text.en });
        }
      }
    }
    return out;
  }

  /** Notes for fields the form has no place for. */
  unplacedWarnings(): { field: string; message: string }[] {
    const placed = this.placedKeys();
    const out: { field: string; message: string }[] = [];
    for (const [k, text] of Object.entries(this.warnings)) {
      if (!placed.has(k)) out.push({ field: pathFor(k, this.draft), message: text[locale.lang] || text.en });
    }
    return out;
  }

  /** Whether any field has a message showing right now. */
  hasVisibleErrors(): boolean {
    if (Object.keys(this.serverErrors).length > 0) return true;
    if (this.submitAttempted) return Object.keys(this.issues).length > 0;
    return Object.keys(this.issues).some((k) => this.touched[k]);
  }
}

/** Issues by field key; several for one field are joined. */
function byField(list: FieldIssue[], draft: Draft): Record<string, Text> {
  const out: Record<string, Text> = {};
  for (const issue of list) {
    const k = keyFor(issue.field, draft);
    const prev = out[k];
    out[k] = prev
      ? { nl: `${prev.nl} ${issue.message.nl}`, en: `${prev.en} ${issue.message.en}` }
      : issue.message;
  }
  return out;
}

/** "lines[2].quantity" → "lines#<id of line 2>.quantity", using the given draft. */
export function keyFor(path: string, draft: Draft): string {
  const m = LINE_PATH.exec(path);
  if (!m) return path;
  const list: { id: string }[] = m[1] === "lines" ? draft.lines : draft.attachments;
  const item = list[Number(m[2])];
  return item ? `${m[1]}#${item.id}${m[3]}` : path;
}

/** The inverse of keyFor for the current draft, for messages about unknown fields. */
export function pathFor(key: string, draft: Draft | null): string {
  const m = LINE_KEY.exec(key);
  if (!m || !draft) return key;
  const list: { id: string }[] = m[1] === "lines" ? draft.lines : draft.attachments;
  const i = list.findIndex((x) => x.id === m[2]);
  return i >= 0 ? `${m[1]}[${i}]${m[3]}` : key;
}
