import { fireEvent, render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../../lib/locale.svelte";
import DateInput from "../DateInput.svelte";

function field(): HTMLInputElement {
  return screen.getByTestId("date") as HTMLInputElement;
}

describe("DateInput", () => {
  beforeEach(() => setLocale("nl"));

  it("is a text field in the language's format, not the system's date field", () => {
    render(DateInput, { id: "d", testid: "date", value: "2026-11-30", onchange: () => {} });
    expect(field().type).toBe("text");
    expect(field().value).toBe("30-11-2026");
    expect(field().placeholder).toBe("dd-mm-jjjj");
  });

  it("shows the English format in English", () => {
    setLocale("en");
    render(DateInput, { id: "d", testid: "date", value: "2026-11-30", onchange: () => {} });
    expect(field().value).toBe("30/11/2026");
    expect(field().placeholder).toBe("dd/mm/yyyy");
  });

  it("hands out the ISO date for what is typed, and tidies it on leaving", async () => {
    const onchange = vi.fn();
    const user = userEvent.setup();
    render(DateInput, { id: "d", testid: "date", value: "", onchange });
    await user.type(field(), "1-3-26");
    expect(onchange).toHaveBeenLastCalledWith("2026-03-01");
    await user.tab();
    expect(field().value).toBe("01-03-2026");
  });

  it("keeps text that is no date as typed, for the field's message", async () => {
    const onchange = vi.fn();
    const user = userEvent.setup();
    render(DateInput, { id: "d", testid: "date", value: "", onchange });
    await user.type(field(), "31-02-2026");
    expect(onchange).toHaveBeenLastCalledWith("31-02-2026");
    await user.tab();
    expect(field().value).toBe("31-02-2026");
  });

  it("moves a day with the arrow keys", async () => {
    const onchange = vi.fn();
    render(DateInput, { id: "d", testid: "date", value: "2026-12-31", onchange });
    await fireEvent.keyDown(field(), { key: "ArrowUp" });
    expect(onchange).toHaveBeenLastCalledWith("2027-01-01");
    expect(field().value).toBe("01-01-2027");
  });
});

describe("DateInput calendar", () => {
  beforeEach(() => setLocale("nl"));

  it("opens on the chosen month with Dutch names and Monday first, and a click picks the day", async () => {
    const onchange = vi.fn();
    const user = userEvent.setup();
    render(DateInput, { id: "d", testid: "date", value: "2026-11-30", onchange });
    await user.click(screen.getByTestId("date-calendar"));
    const panel = screen.getByTestId("date-calendar-panel");
    expect(panel.textContent).toContain("november 2026");
    expect(panel.querySelector(".weekday")!.textContent).toBe("ma");
    // 1 November 2026 is a Sunday: the grid starts on Monday 26 October.
    expect(panel.querySelector<HTMLButtonElement>(".day")!.dataset.day).toBe("2026-10-26");
    expect(panel.querySelector('[aria-pressed="true"]')!.getAttribute("data-day")).toBe("2026-11-30");
    await user.click(panel.querySelector<HTMLButtonElement>('[data-day="2026-11-05"]')!);
    expect(onchange).toHaveBeenLastCalledWith("2026-11-05");
    expect(field().value).toBe("05-11-2026");
    expect(screen.queryByTestId("date-calendar-panel")).toBeNull();
  });

  it("steps through months and closes with Escape", async () => {
    setLocale("en");
    const user = userEvent.setup();
    render(DateInput, { id: "d", testid: "date", value: "2026-12-15", onchange: () => {} });
    await user.click(screen.getByTestId("date-calendar"));
    await user.click(screen.getByLabelText("Next month"));
    expect(screen.getByTestId("date-calendar-panel").textContent).toContain("January 2027");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("date-calendar-panel")).toBeNull();
    expect(document.activeElement).toBe(field());
  });
});
