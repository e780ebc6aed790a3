import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../../App.svelte";
import { setConnectors } from "../../lib/connectors.svelte";
import { setLocale } from "../../lib/locale.svelte";
import { connectors, declared } from "../../test/fixtures";
import { installFakeBackend } from "../fakeBackend";

describe("the app on the dev fake", () => {
  it("starts on the first demo connection and offers every generated system in the settings", async () => {
    setConnectors([]);
    setLocale("en");
    installFakeBackend();
    const user = userEvent.setup();
    render(App);
    expect(await screen.findByTestId("relation-input", {}, { timeout: 5000 })).toBeTruthy();
    expect(screen.getByTestId("submit").textContent).toContain(connectors[0].name);
    await user.click(screen.getByTestId("open-settings"));
    expect(await screen.findAllByTestId("connection-row")).toHaveLength(declared.length);
    await user.click(screen.getByTestId("conn-add"));
    const kind = screen.getByTestId("conn-kind") as HTMLSelectElement;
    expect([...kind.options].map((o) => o.value)).toEqual(connectors.filter((c) => c.available).map((c) => c.id));
    expect(within(screen.getByTestId("connection-form")).getByTestId("conn-url")).toBeTruthy();
  });
});
