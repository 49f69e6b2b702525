// Adding documents to a request: drag and drop onto the file field, then one upload per file with a
// progress bar over all of them. Without this script the form posts every file at once and still works.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector("input[type=file]");
  var zone = form.querySelector("[data-drop-zone]");
  var box = form.querySelector("[data-upload-progress]");
  var bar = form.querySelector("[data-upload-bar]");
  var status = form.querySelector("[data-upload-status]");
  var list = form.querySelector("[data-upload-list]");
  var button = form.querySelector("button[type=submit]");

  function sizeText(bytes) {
    if (bytes >= 1048576) { return (bytes / 1048576).toFixed(1) + " MB"; }
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function showChosen() {
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " (" + sizeText(file.size) + ")";
      list.appendChild(item);
    });
    box.hidden = input.files.length === 0;
    status.textContent = input.files.length ? input.files.length + " file(s) chosen" : "";
  }

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showChosen();
    }
  });
  input.addEventListener("change", showChosen);

  // One id for the files sent together: the server gives them one budget for what their archives unpack.
  function newBatch() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  var batch = newBatch();

  function sendOne(file, done, total, onDone, onFail) {
    var data = new FormData();
    data.append("batch", batch);
    ["csrf_token", "released_on", "visibility", "event_id"].forEach(function (name) {
      var field = form.elements[name];
      if (field) { data.append(name, field.value); }
    });
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable && total > 0) {
        var share = file.size * (event.loaded / event.total);
        bar.value = Math.min(100, Math.round(100 * (done + share) / total));
        bar.textContent = bar.value + "%";
      }
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
      if ((xhr.status === 201 || xhr.status === 200) && body) { onDone(body); return; }
      var message = body && body.error ? body.error.message : "the server answered " + xhr.status;
      onFail(message);
    });
    xhr.addEventListener("error", function () { onFail("the connection failed"); });
    xhr.send(data);
  }

  form.addEventListener("submit", function (event) {
    var files = Array.prototype.slice.call(input.files);
    if (!files.length) { return; }  // the browser's own "required" message
    event.preventDefault();
    batch = newBatch();
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
    var done = 0;
    var added = 0;
    box.hidden = false;
    button.disabled = true;
    list.textContent = "";
    var items = files.map(function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + ": waiting";
      list.appendChild(item);
      return item;
    });
    function next(index) {
      if (index >= files.length) {
        bar.value = 100;
        bar.textContent = "100%";
        var skipped = files.length - added;
        if (skipped) {  // stay, so that the list can say which files the request already held
          status.textContent = "Added " + added + " file(s); " + skipped + " already on this request, " +
            "not added again (see the list). ";
          var back = document.createElement("a");
          back.href = form.getAttribute("data-done") + "?added=" + added + "#documents";
          back.textContent = "Back to the request";
          status.appendChild(back);
          button.disabled = false;
          return;
        }
        status.textContent = "Added " + added + " file(s). Their text is being extracted; reloading…";
        window.location.assign(form.getAttribute("data-done") + "?added=" + added + "#documents");
        return;
      }
      var file = files[index];
      items[index].textContent = file.name + ": uploading";
      status.textContent = "Uploading " + (index + 1) + " of " + files.length + ": " + file.name;
      sendOne(file, done, total, function (body) {
        done += file.size;
        var held = body.already && body.already.length ? body.already[0] : null;
        if (held) {
          items[index].textContent = file.name + ": already on this request (as " + held.held_as + "), not added again";
        } else {
          added += 1;
          items[index].textContent = file.name + ": added";
        }
        next(index + 1);
      }, function (message) {
        items[index].textContent = file.name + ": not added (" + message + ")";
        status.textContent = "Added " + added + " of " + files.length + " file(s); " + file.name +
          " was not added: " + message + ". Choose the files not added and try again.";
        button.disabled = false;
      });
    }
    next(0);
  });
});
