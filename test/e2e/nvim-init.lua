-- Headless Neovim as a second LSP client: attach the built server to the
-- file given on the command line, wait for the engine's diagnostics, print
-- them as "DIAG line:col severity code message", then hover the first
-- deadlock and print "HOVER ...". Exits 0 on success, non-zero on a timeout.
local server = os.getenv("RACE_SERVER")
local want_engine = os.getenv("RACE_WANT_CODE") or "RACE100"
local client_id = vim.lsp.start_client({
  name = "race",
  cmd = { "node", server, "--stdio" },
  root_dir = vim.fn.getcwd(),
  init_options = { debounceMs = 0 },
})
if not client_id then
  io.stdout:write("FAIL no client\n")
  vim.cmd("cquit 2")
end

vim.api.nvim_create_autocmd("VimEnter", {
  callback = function()
    local buf = vim.api.nvim_get_current_buf()
    vim.lsp.buf_attach_client(buf, client_id)
    local ok = vim.wait(20000, function()
      for _, d in ipairs(vim.diagnostic.get(buf)) do
        if d.code == want_engine or (d.user_data and d.user_data.lsp and d.user_data.lsp.code == want_engine) then return true end
      end
      return false
    end, 50)
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ""
      io.stdout:write(string.format("DIAG %d:%d %d %s %s\n", d.lnum + 1, d.col + 1, d.severity, code, d.message))
    end
    if not ok then
      io.stdout:write("FAIL no " .. want_engine .. " diagnostic\n")
      vim.cmd("cquit 3")
      return
    end
    -- Hover the first diagnostic's position.
    local first
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
      if code == want_engine then first = d break end
    end
    local client = vim.lsp.get_client_by_id(client_id)
    local res = client.request_sync("textDocument/hover", {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
      position = { line = first.lnum, character = first.col + 1 },
    }, 10000, buf)
    if res and res.result and res.result.contents then
      local value = res.result.contents.value or ""
      io.stdout:write("HOVER " .. value:gsub("\n", " | ") .. "\n")
    else
      io.stdout:write("FAIL no hover\n")
      vim.cmd("cquit 4")
      return
    end
    client.stop()
    vim.cmd("qall!")
  end,
})
