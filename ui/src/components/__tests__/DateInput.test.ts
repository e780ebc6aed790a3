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
