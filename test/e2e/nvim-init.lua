-- Headless Neovim as a second LSP client: attach the built server to the
-- file given on the command line, wait for a diagnostic with the code in
-- RACE_WANT_CODE, print the buffer's diagnostics as "DIAG line:col severity
-- code message", then hover the first such diagnostic and print "HOVER ...".
--
-- RACE_ASK, if set, then runs steps separated by ";" (positions 1-based
-- line:col, as Neovim shows them; files relative to the working directory):
--   definition L:C  -> "DEF file L:C" for each location
--   hover L:C       -> "HOVERAT L:C text"
--   references L:C  -> "REF file L:C", sorted
--   rename L:C NEW  -> "RENAME file L:C" for each edit, sorted, or
--                      "RENAMEERR message" when the server refuses
--   complete L:C    -> "COMPLETE label,label,..." (sorted)
--   jump L:C        -> goes to the definition the way a user does
--                      (vim.lsp.util.jump_to_location opens the file the
--                      server names), attaches the server to that buffer,
--                      waits for its diagnostics: "JUMP file L:C", then
--                      "INFILE line:col severity code message"
--   edit L TEXT     -> replaces line L of the current buffer (the jumped-to
--                      file) with TEXT, unsaved: "EDITED L"
--   disk FILE L TEXT-> replaces line L of FILE on the disk, behind the
--                      editor's back (not open in it): "WROTE FILE"
--   wait CODE       -> waits until the first buffer has a diagnostic CODE:
--                      "FOUND CODE", then its diagnostics as DIAG lines
--   back            -> back to the first buffer
-- Exits 0 on success, non-zero on a timeout or a missing answer.
local server = os.getenv("RACE_SERVER")
local want_engine = os.getenv("RACE_WANT_CODE") or "RACE100"
local ask = os.getenv("RACE_ASK") or ""

-- Every publishDiagnostics, counted per URI, so that a step can wait for the next one.
local published = {}
local handlers = {
  ["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
    published[result.uri] = (published[result.uri] or 0) + 1
    return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
  end,
}

local client_id = vim.lsp.start_client({
  name = "race",
  cmd = { "node", server, "--stdio" },
  root_dir = vim.fn.getcwd(),
  init_options = { debounceMs = 0 },
  handlers = handlers,
})
if not client_id then
  io.stdout:write("FAIL no client\n")
  vim.cmd("cquit 2")
end

local function codeOf(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ""
end

local function printDiags(tag, buf)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    io.stdout:write(string.format("%s %d:%d %d %s %s\n", tag, d.lnum + 1, d.col + 1, d.severity, codeOf(d), d.message))
  end
end

local function fileOf(uri)
  return vim.fn.fnamemodify(vim.uri_to_fname(uri), ":.")
end

local function fail(what, code)
  io.stdout:write("FAIL " .. what .. "\n")
  vim.cmd("cquit " .. code)
end

-- "12:3" (1-based, columns in characters of an ASCII line) -> an LSP position.
local function positionOf(lc)
  local l, c = lc:match("^(%d+):(%d+)$")
  return { line = tonumber(l) - 1, character = tonumber(c) - 1 }
end

vim.api.nvim_create_autocmd("VimEnter", {
  callback = function()
    local buf = vim.api.nvim_get_current_buf()
    local uri = vim.uri_from_bufnr(buf)
    vim.lsp.buf_attach_client(buf, client_id)
    local client = vim.lsp.get_client_by_id(client_id)
    local ok = vim.wait(20000, function()
      for _, d in ipairs(vim.diagnostic.get(buf)) do
        if codeOf(d) == want_engine then return true end
      end
      return false
    end, 50)
    printDiags("DIAG", buf)
    if not ok then return fail("no " .. want_engine .. " diagnostic", 3) end
    -- Hover the first diagnostic's position (unless steps say what to do).
    local first
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if codeOf(d) == want_engine then first = d break end
    end
    if ask == "" then
      local res = client.request_sync("textDocument/hover", {
        textDocument = { uri = uri },
        position = { line = first.lnum, character = first.col + 1 },
      }, 10000, buf)
      if not (res and res.result and res.result.contents) then return fail("no hover", 4) end
      io.stdout:write("HOVER " .. (res.result.contents.value or ""):gsub("\n", " | ") .. "\n")
    end

    local function at(lc)
      return { textDocument = { uri = uri }, position = positionOf(lc) }
    end
    local function locations(result)
      if result == nil then return {} end
      if result.uri or result.targetUri then return { result } end
      return result
    end
    for step in ask:gmatch("[^;]+") do
      local verb, arg = step:match("^%s*(%S+)%s*(.-)%s*$")
      if verb == "definition" then
        local r = client.request_sync("textDocument/definition", at(arg), 10000, buf)
        if not (r and r.result) then return fail("no definition at " .. arg, 5) end
        for _, loc in ipairs(locations(r.result)) do
          local range = loc.range or loc.targetSelectionRange
          io.stdout:write(string.format("DEF %s %d:%d\n", fileOf(loc.uri or loc.targetUri), range.start.line + 1, range.start.character + 1))
        end
      elseif verb == "hover" then
        local r = client.request_sync("textDocument/hover", at(arg), 10000, buf)
        if not (r and r.result and r.result.contents) then return fail("no hover at " .. arg, 6) end
        io.stdout:write("HOVERAT " .. arg .. " " .. (r.result.contents.value or ""):gsub("\n", " | ") .. "\n")
      elseif verb == "references" then
        local p = at(arg)
        p.context = { includeDeclaration = true }
        local r = client.request_sync("textDocument/references", p, 10000, buf)
        if not (r and r.result) then return fail("no references at " .. arg, 7) end
        local lines = {}
        for _, loc in ipairs(r.result) do
          table.insert(lines, string.format("REF %s %d:%d", fileOf(loc.uri), loc.range.start.line + 1, loc.range.start.character + 1))
        end
        table.sort(lines)
        for _, l in ipairs(lines) do io.stdout:write(l .. "\n") end
      elseif verb == "rename" then
        local lc, new = arg:match("^(%S+)%s(%S+)$")
        local p = at(lc)
        p.newName = new
        local r = client.request_sync("textDocument/rename", p, 10000, buf)
        if not r then return fail("no answer to rename at " .. lc, 13) end
        if r.err then
          io.stdout:write("RENAMEERR " .. (r.err.message or "") .. "\n")
        else
          local lines = {}
          for u, edits in pairs(r.result.changes or {}) do
            for _, e in ipairs(edits) do
              table.insert(lines, string.format("RENAME %s %d:%d", fileOf(u), e.range.start.line + 1, e.range.start.character + 1))
            end
          end
          table.sort(lines)
          for _, l in ipairs(lines) do io.stdout:write(l .. "\n") end
        end
      elseif verb == "complete" then
        local r = client.request_sync("textDocument/completion", at(arg), 10000, buf)
        if not (r and r.result) then return fail("no completion at " .. arg, 14) end
        local items = r.result.items or r.result
        local labels = {}
        for _, i in ipairs(items) do table.insert(labels, i.label) end
        table.sort(labels)
        io.stdout:write("COMPLETE " .. table.concat(labels, ",") .. "\n")
      elseif verb == "jump" then
        local r = client.request_sync("textDocument/definition", at(arg), 10000, buf)
        if not (r and r.result) then return fail("no definition to jump to at " .. arg, 8) end
        local loc = locations(r.result)[1]
        local target = loc.uri or loc.targetUri
        local before = published[target] or 0
        vim.lsp.util.jump_to_location(loc, client.offset_encoding or "utf-16")
        local there = vim.api.nvim_get_current_buf()
        local cursor = vim.api.nvim_win_get_cursor(0)
        io.stdout:write(string.format("JUMP %s %d:%d %d lines\n", vim.fn.fnamemodify(vim.api.nvim_buf_get_name(there), ":."), cursor[1], cursor[2] + 1, vim.api.nvim_buf_line_count(there)))
        -- As an ftplugin or lspconfig would: the server is told the file is open.
        vim.lsp.buf_attach_client(there, client_id)
        if not vim.wait(20000, function() return (published[vim.uri_from_bufnr(there)] or 0) > before end, 50) then
          return fail("no diagnostics published for " .. target, 9)
        end
        printDiags("INFILE", there)
      elseif verb == "edit" then
        local l, text = arg:match("^(%d+)%s(.*)$")
        vim.api.nvim_buf_set_lines(vim.api.nvim_get_current_buf(), tonumber(l) - 1, tonumber(l), false, { text })
        io.stdout:write("EDITED " .. l .. "\n")
      elseif verb == "disk" then
        local file, l, text = arg:match("^(%S+)%s(%d+)%s(.*)$")
        local lines = vim.fn.readfile(file)
        lines[tonumber(l)] = text
        vim.fn.writefile(lines, file)
        io.stdout:write("WROTE " .. file .. "\n")
      elseif verb == "wait" then
        local found = vim.wait(20000, function()
          for _, d in ipairs(vim.diagnostic.get(buf)) do
            if codeOf(d) == arg then return true end
          end
          return false
        end, 50)
        if not found then
          printDiags("DIAG", buf)
          return fail("no " .. arg .. " diagnostic", 12)
        end
        io.stdout:write("FOUND " .. arg .. "\n")
        printDiags("DIAG", buf)
      elseif verb == "back" then
        vim.api.nvim_set_current_buf(buf)
      else
        return fail("unknown step " .. step, 11)
      end
    end
    client.stop()
    vim.cmd("qall!")
  end,
})
